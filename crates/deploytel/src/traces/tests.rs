use super::*;
use crate::env::*;

fn settings(env: &[(&'static str, &'static str)]) -> Result<Option<TraceSettings>, InitError> {
    trace_settings(env, None, None)
}

fn error_text(env: &[(&'static str, &'static str)]) -> String {
    match settings(env) {
        Err(e) => e.to_string(),
        Ok(s) => panic!("expected an error, got {s:?}"),
    }
}

#[test]
fn with_nothing_set_spans_stay_in_the_process() {
    let s = settings(&[]).unwrap().unwrap();
    assert_eq!(s.exporter, TracesExporter::None);
    assert_eq!(s.sampler, SamplerChoice::ParentBasedAlwaysOn);
}

#[test]
fn an_endpoint_or_an_explicit_exporter_turns_otlp_export_on() {
    let explicit = settings(&[(OTEL_TRACES_EXPORTER, "otlp")])
        .unwrap()
        .unwrap();
    assert_eq!(explicit.exporter, TracesExporter::Otlp);
    assert_eq!(explicit.endpoint, DEFAULT_OTLP_TRACES_ENDPOINT);
    assert_eq!(explicit.timeout, Duration::from_secs(10));
    for (variable, value) in [
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318"),
        (
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
            "http://collector:4318/v1/traces",
        ),
        (OTEL_EXPORTER_OTLP_HEADERS, "x-team=deploy"),
        (OTEL_EXPORTER_OTLP_TIMEOUT, "5000"),
    ] {
        let s = settings(&[(variable, value)]).unwrap().unwrap();
        assert_eq!(s.exporter, TracesExporter::Otlp, "{variable}");
    }
    let built = trace_settings(&[][..], None, Some("http://collector:4318/v1/traces"))
        .unwrap()
        .unwrap();
    assert_eq!(built.exporter, TracesExporter::Otlp);
}

#[test]
fn the_sdk_can_be_disabled_or_the_exporter_set_to_none() {
    assert_eq!(settings(&[(OTEL_SDK_DISABLED, "true")]).unwrap(), None);
    assert_eq!(settings(&[(OTEL_SDK_DISABLED, "TRUE")]).unwrap(), None);
    assert!(settings(&[(OTEL_SDK_DISABLED, "false")]).unwrap().is_some());
    let none = settings(&[(OTEL_TRACES_EXPORTER, "none")])
        .unwrap()
        .unwrap();
    assert_eq!(none.exporter, TracesExporter::None);
    let console = settings(&[(OTEL_TRACES_EXPORTER, "console")])
        .unwrap()
        .unwrap();
    assert_eq!(console.exporter, TracesExporter::Console);
}

#[test]
fn the_base_endpoint_gets_the_traces_path_and_the_traces_endpoint_is_used_as_it_is() {
    let base = settings(&[(OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318/")])
        .unwrap()
        .unwrap();
    assert_eq!(base.endpoint, "http://collector:4318/v1/traces");
    let full = settings(&[
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318"),
        (
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
            "http://traces:9999/custom",
        ),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(full.endpoint, "http://traces:9999/custom");
}

#[test]
fn the_builder_overrides_the_variables() {
    let env = [
        (OTEL_TRACES_EXPORTER, "console"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318"),
    ];
    let s = trace_settings(
        &env[..],
        Some(TracesExporter::Otlp),
        Some("http://mine:4318/v1/traces"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(s.exporter, TracesExporter::Otlp);
    assert_eq!(s.endpoint, "http://mine:4318/v1/traces");
}

#[test]
fn each_bad_value_is_an_error_naming_the_variable_and_the_value() {
    let cases: &[(&'static str, &'static str)] = &[
        (OTEL_SDK_DISABLED, "yes"),
        (OTEL_TRACES_EXPORTER, "zipkin"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "collector:4318"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://host:notaport"),
        (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "ftp://x"),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "http/json"),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "carrier-pigeon"),
        (OTEL_EXPORTER_OTLP_TIMEOUT, "ten"),
        (OTEL_EXPORTER_OTLP_TIMEOUT, "0"),
        (OTEL_TRACES_SAMPLER, "sometimes"),
        (OTEL_TRACES_SAMPLER_ARG, "1.5"),
    ];
    for &(variable, value) in cases {
        let mut env = vec![(variable, value)];
        if variable == OTEL_TRACES_SAMPLER_ARG {
            env.push((OTEL_TRACES_SAMPLER, "traceidratio"));
        }
        let text = error_text(&env);
        assert!(text.contains(variable), "{text}");
        assert!(text.contains(value), "{text}");
    }
}

#[test]
fn malformed_headers_are_reported_with_their_values_masked() {
    let text = error_text(&[(
        OTEL_EXPORTER_OTLP_HEADERS,
        "authorization=Bearer%20s3cr3t,broken",
    )]);
    assert!(text.contains(OTEL_EXPORTER_OTLP_HEADERS), "{text}");
    assert!(text.contains("authorization=[REDACTED]"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
}

#[test]
fn headers_are_percent_decoded() {
    let s = settings(&[(
        OTEL_EXPORTER_OTLP_HEADERS,
        "authorization=Bearer%20abc, x-team=deploy",
    )])
    .unwrap()
    .unwrap();
    assert_eq!(
        s.headers,
        [
            ("authorization".to_owned(), "Bearer abc".to_owned()),
            ("x-team".to_owned(), "deploy".to_owned())
        ]
    );
}

#[test]
fn traces_only_variables_win_over_the_general_ones_and_errors_name_them() {
    let s = settings(&[
        (OTEL_EXPORTER_OTLP_TIMEOUT, "5000"),
        (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, "250"),
        (OTEL_EXPORTER_OTLP_HEADERS, "a=1"),
        (OTEL_EXPORTER_OTLP_TRACES_HEADERS, "b=2"),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(s.timeout, Duration::from_millis(250));
    assert_eq!(s.headers, [("b".to_owned(), "2".to_owned())]);
    let text = error_text(&[
        (OTEL_EXPORTER_OTLP_PROTOCOL, "http/protobuf"),
        (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "http/json"),
    ]);
    assert!(text.contains(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL), "{text}");
}

#[test]
fn samplers_and_their_ratio_are_read() {
    let ratio = settings(&[
        (OTEL_TRACES_SAMPLER, "parentbased_traceidratio"),
        (OTEL_TRACES_SAMPLER_ARG, "0.25"),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(ratio.sampler, SamplerChoice::ParentBasedRatio(0.25));
    let off = settings(&[(OTEL_TRACES_SAMPLER, "always_off")])
        .unwrap()
        .unwrap();
    assert_eq!(off.sampler, SamplerChoice::AlwaysOff);
}

#[cfg(feature = "grpc")]
#[test]
fn grpc_takes_the_base_endpoint_as_it_is_and_defaults_to_port_4317() {
    let default = settings(&[(OTEL_EXPORTER_OTLP_PROTOCOL, "grpc")])
        .unwrap()
        .unwrap();
    assert_eq!(default.protocol, OtlpProtocol::Grpc);
    assert_eq!(default.endpoint, DEFAULT_OTLP_GRPC_ENDPOINT);
    let base = settings(&[
        (OTEL_EXPORTER_OTLP_PROTOCOL, "grpc"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4317"),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(base.endpoint, "http://collector:4317");
}

#[cfg(not(feature = "grpc"))]
#[test]
fn grpc_is_refused_with_a_pointer_to_the_feature_when_it_is_not_built_in() {
    let text = error_text(&[(OTEL_EXPORTER_OTLP_PROTOCOL, "grpc")]);
    assert!(text.contains("grpc feature"), "{text}");
}
