//! What `init()` does with traces, read from the `OTEL_*` variables and the builder.

use std::time::Duration;

use deploytel_core::REDACTED;

use crate::env::{
    Env, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER,
    OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG,
};
use crate::InitError;

/// Where spans go.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TracesExporter {
    /// OTLP over HTTP with protobuf bodies.
    Otlp,
    /// One line per span on stderr.
    Console,
    /// A readable tree of each trace on stderr when the program ends (names, durations,
    /// outcomes). Chosen with `Builder::traces_exporter`; no variable selects it.
    Tree,
    /// Nowhere: spans live in the process only. Log lines still carry `trace.id` and
    /// `span.id`, and child processes still get the trace context; nothing is sent, so nothing
    /// can be lost. The default when nothing says where spans should go.
    None,
}

/// The OTLP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OtlpProtocol {
    HttpProtobuf,
    Grpc,
}

/// Which traces are kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SamplerChoice {
    AlwaysOn,
    AlwaysOff,
    Ratio(f64),
    ParentBasedAlwaysOn,
    ParentBasedAlwaysOff,
    ParentBasedRatio(f64),
}

/// The trace pipeline to install.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TraceSettings {
    pub(crate) exporter: TracesExporter,
    pub(crate) protocol: OtlpProtocol,
    pub(crate) endpoint: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) sampler: SamplerChoice,
}

/// The OTLP/HTTP traces URL when nothing is configured.
pub const DEFAULT_OTLP_TRACES_ENDPOINT: &str = "http://localhost:4318/v1/traces";
/// The OTLP/gRPC endpoint when nothing is configured.
pub const DEFAULT_OTLP_GRPC_ENDPOINT: &str = "http://localhost:4317";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

fn invalid(variable: &'static str, value: &str, reason: impl Into<String>) -> InitError {
    InitError::InvalidVariable {
        variable,
        value: value.to_owned(),
        reason: reason.into(),
    }
}

/// The trace settings, or `None` when the SDK is off (`OTEL_SDK_DISABLED=true`). Builder
/// values, when given, replace the variables they stand for.
///
/// The OpenTelemetry specification's default exporter is `otlp` to `localhost`; deploytel
/// exports only when told to (an exporter, or any `OTEL_EXPORTER_OTLP_*` variable, or the
/// builder's exporter or endpoint), so that a program run with nothing configured neither waits
/// at exit for a collector that is not there nor reports spans it lost there.
pub(crate) fn trace_settings(
    env: &(impl Env + ?Sized),
    exporter_override: Option<TracesExporter>,
    endpoint_override: Option<&str>,
) -> Result<Option<TraceSettings>, InitError> {
    if let Some(disabled) = env.get(OTEL_SDK_DISABLED)? {
        match disabled.trim().to_ascii_lowercase().as_str() {
            "true" => return Ok(None),
            "false" => {}
            _ => {
                return Err(invalid(
                    OTEL_SDK_DISABLED,
                    &disabled,
                    "expected true or false",
                ))
            }
        }
    }
    let exporter = match exporter_override {
        Some(exporter) => exporter,
        None => match env.get(OTEL_TRACES_EXPORTER)? {
            Some(value) => parse_exporter(&value)?,
            None if endpoint_override.is_some() || otlp_configured(env)? => TracesExporter::Otlp,
            None => TracesExporter::None,
        },
    };
    let sampler = parse_sampler(
        env.get(OTEL_TRACES_SAMPLER)?.as_deref(),
        env.get(OTEL_TRACES_SAMPLER_ARG)?.as_deref(),
    )?;
    if exporter == TracesExporter::None {
        // The exporter's variables do not matter: nothing is sent.
        return Ok(Some(TraceSettings {
            exporter,
            protocol: OtlpProtocol::HttpProtobuf,
            endpoint: String::new(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            sampler,
        }));
    }
    let protocol = match traces_or_general(
        env,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
        OTEL_EXPORTER_OTLP_PROTOCOL,
    )? {
        None => OtlpProtocol::HttpProtobuf,
        Some((variable, protocol)) => match protocol.trim() {
            "http/protobuf" => OtlpProtocol::HttpProtobuf,
            "grpc" if cfg!(feature = "grpc") => OtlpProtocol::Grpc,
            "grpc" => {
                return Err(invalid(
                    variable,
                    &protocol,
                    "this build has no gRPC exporter; enable deploytel's grpc feature or use \
                     http/protobuf",
                ))
            }
            "http/json" => {
                return Err(invalid(
                    variable,
                    &protocol,
                    "http/json is not supported; use http/protobuf",
                ))
            }
            _ => {
                return Err(invalid(
                    variable,
                    &protocol,
                    "expected http/protobuf, http/json or grpc",
                ))
            }
        },
    };
    // gRPC takes the base URL as it is; OTLP/HTTP appends the signal's path to it.
    let endpoint = match endpoint_override {
        Some(url) => checked_url("Builder::otlp_endpoint", url)?,
        None => match env.get(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)? {
            Some(url) => checked_url(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, &url)?,
            None => match (env.get(OTEL_EXPORTER_OTLP_ENDPOINT)?, protocol) {
                (Some(base), OtlpProtocol::HttpProtobuf) => {
                    let base = checked_url(OTEL_EXPORTER_OTLP_ENDPOINT, &base)?;
                    format!("{}/v1/traces", base.trim_end_matches('/'))
                }
                (Some(base), OtlpProtocol::Grpc) => {
                    checked_url(OTEL_EXPORTER_OTLP_ENDPOINT, &base)?
                }
                (None, OtlpProtocol::HttpProtobuf) => DEFAULT_OTLP_TRACES_ENDPOINT.to_owned(),
                (None, OtlpProtocol::Grpc) => DEFAULT_OTLP_GRPC_ENDPOINT.to_owned(),
            },
        },
    };
    let headers = match traces_or_general(
        env,
        OTEL_EXPORTER_OTLP_TRACES_HEADERS,
        OTEL_EXPORTER_OTLP_HEADERS,
    )? {
        Some((variable, value)) => parse_headers(variable, &value)?,
        None => Vec::new(),
    };
    let timeout = match traces_or_general(
        env,
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
        OTEL_EXPORTER_OTLP_TIMEOUT,
    )? {
        Some((variable, value)) => match value.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Duration::from_millis(ms),
            _ => {
                return Err(invalid(
                    variable,
                    &value,
                    "expected a whole number of milliseconds above 0",
                ))
            }
        },
        None => DEFAULT_TIMEOUT,
    };
    Ok(Some(TraceSettings {
        exporter,
        protocol,
        endpoint,
        headers,
        timeout,
        sampler,
    }))
}

/// Whether any `OTEL_EXPORTER_OTLP_*` variable is set: whoever set one means spans to go over
/// OTLP, to `localhost` when no endpoint is given.
fn otlp_configured(env: &(impl Env + ?Sized)) -> Result<bool, InitError> {
    for variable in [
        OTEL_EXPORTER_OTLP_ENDPOINT,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
        OTEL_EXPORTER_OTLP_HEADERS,
        OTEL_EXPORTER_OTLP_TRACES_HEADERS,
        OTEL_EXPORTER_OTLP_TIMEOUT,
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
    ] {
        if env.get(variable)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The traces-only variable when set, else the general one, with the name of the one used.
fn traces_or_general(
    env: &(impl Env + ?Sized),
    traces: &'static str,
    general: &'static str,
) -> Result<Option<(&'static str, String)>, InitError> {
    Ok(match env.get(traces)? {
        Some(value) => Some((traces, value)),
        None => env.get(general)?.map(|value| (general, value)),
    })
}

fn parse_exporter(value: &str) -> Result<TracesExporter, InitError> {
    // The specification allows a list; one exporter is what deploytel sets up.
    match value.trim() {
        "otlp" => Ok(TracesExporter::Otlp),
        "console" => Ok(TracesExporter::Console),
        "none" => Ok(TracesExporter::None),
        _ => Err(invalid(
            OTEL_TRACES_EXPORTER,
            value,
            "expected one of otlp, console, none",
        )),
    }
}

/// An `http://host[:port][/path]` URL, without a trailing newline or spaces.
fn checked_url(variable: &'static str, url: &str) -> Result<String, InitError> {
    let url = url.trim();
    let rest = if let Some(rest) = url.strip_prefix("http://") {
        rest
    } else if url.starts_with("https://") {
        return Err(invalid(
            variable,
            url,
            "https is not supported by this build's HTTP client; use an http:// endpoint, \
             such as a local collector",
        ));
    } else {
        return Err(invalid(
            variable,
            url,
            "expected a URL such as http://localhost:4318",
        ));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let valid_host = !host.is_empty()
        && !host.contains('@')
        && host
            .rsplit_once(':')
            .is_none_or(|(name, port)| !name.is_empty() && port.parse::<u16>().is_ok());
    if !valid_host || url.chars().any(char::is_whitespace) {
        return Err(invalid(
            variable,
            url,
            "expected a URL such as http://localhost:4318",
        ));
    }
    Ok(url.to_owned())
}

/// `key=value,key2=value2` with percent-encoded values. A malformed list is reported with every
/// value masked: headers carry credentials.
fn parse_headers(variable: &'static str, value: &str) -> Result<Vec<(String, String)>, InitError> {
    let masked = || {
        value
            .split(',')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) => format!("{}={REDACTED}", key.trim()),
                None => pair.trim().to_owned(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut headers = Vec::new();
    for pair in value.split(',').filter(|p| !p.trim().is_empty()) {
        let Some((key, raw)) = pair.split_once('=') else {
            return Err(invalid(
                variable,
                &masked(),
                "expected key=value pairs separated by commas",
            ));
        };
        let key = key.trim();
        let decoded = percent_decode(raw.trim());
        let valid_key = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        match decoded {
            Some(value) if valid_key && !value.contains(['\r', '\n']) => {
                headers.push((key.to_owned(), value))
            }
            _ => {
                return Err(invalid(
                    variable,
                    &masked(),
                    "a header name or percent-encoded value is not valid",
                ))
            }
        }
    }
    Ok(headers)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn parse_sampler(sampler: Option<&str>, arg: Option<&str>) -> Result<SamplerChoice, InitError> {
    let ratio = || -> Result<f64, InitError> {
        match arg {
            None => Ok(1.0),
            Some(text) => match text.trim().parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                _ => Err(invalid(
                    OTEL_TRACES_SAMPLER_ARG,
                    text,
                    "expected a sampling ratio from 0 to 1",
                )),
            },
        }
    };
    Ok(match sampler.map(str::trim) {
        None | Some("parentbased_always_on") => SamplerChoice::ParentBasedAlwaysOn,
        Some("always_on") => SamplerChoice::AlwaysOn,
        Some("always_off") => SamplerChoice::AlwaysOff,
        Some("traceidratio") => SamplerChoice::Ratio(ratio()?),
        Some("parentbased_always_off") => SamplerChoice::ParentBasedAlwaysOff,
        Some("parentbased_traceidratio") => SamplerChoice::ParentBasedRatio(ratio()?),
        Some(other) => {
            return Err(invalid(
                OTEL_TRACES_SAMPLER,
                other,
                "expected always_on, always_off, traceidratio, parentbased_always_on, \
                 parentbased_always_off or parentbased_traceidratio",
            ))
        }
    })
}
