//! Prometheus metrics in `init()`: the deploy metrics layer always, the /metrics and health
//! server when an address is configured, the textfile and Pushgateway export when those are.

use std::net::SocketAddr;
use std::path::PathBuf;

use std::time::Duration;

use deploytel_metrics::prometheus::Registry;
use deploytel_metrics::{
    DeployMetrics, DeployMetricsLayer, DeploySpans, Health, Limits, MetricsExport, MetricsServer,
};
use tracing_subscriber::filter::Filtered;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer as _;

use crate::env::{
    Env, DEPLOYTEL_METRICS_ADDR, DEPLOYTEL_METRICS_BEARER_TOKEN, DEPLOYTEL_METRICS_PUSHGATEWAY,
    DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE, DEPLOYTEL_METRICS_PUSHGATEWAY_JOB,
    DEPLOYTEL_METRICS_TEXTFILE,
};
use crate::settings::Settings;
use crate::{Builder, Guard, InitError};

/// What the builder was told about metrics; what it leaves open comes from the environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Choice {
    server: ServerChoice,
    bearer_token: Option<String>,
    export: ExportChoice,
    registry: Option<Registry>,
    limits: Limits,
    health: Health,
}

impl Builder {
    /// Serves `/metrics` and the health endpoints on `addr` (port 0 picks a free port, see
    /// [`Guard::metrics_addr`]); overrides `DEPLOYTEL_METRICS_ADDR`.
    pub fn metrics_addr(mut self, addr: SocketAddr) -> Self {
        self.metrics.server = ServerChoice::At(addr);
        self
    }

    /// Starts no metrics server whatever `DEPLOYTEL_METRICS_ADDR` says; the metrics are still
    /// recorded in the registry.
    pub fn without_metrics_server(mut self) -> Self {
        self.metrics.server = ServerChoice::Off;
        self
    }

    /// Requires `Authorization: Bearer <token>` on the metrics server; overrides
    /// `DEPLOYTEL_METRICS_BEARER_TOKEN`.
    pub fn metrics_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.metrics.bearer_token = Some(token.into());
        self
    }

    /// Writes the metrics to `path` for node_exporter's textfile collector (a `*.prom` file in
    /// its `--collector.textfile.directory`) when a deployment starts or ends and at shutdown,
    /// replacing the file whole each time; overrides `DEPLOYTEL_METRICS_TEXTFILE`. For programs
    /// that exit before Prometheus would scrape them.
    pub fn metrics_textfile(mut self, path: impl Into<PathBuf>) -> Self {
        self.metrics.export.textfile = Some(path.into());
        self
    }

    /// Pushes the metrics to the Pushgateway at `url` (`http://host:9091`) when a deployment
    /// starts or ends and at shutdown; overrides `DEPLOYTEL_METRICS_PUSHGATEWAY`. The group is
    /// `job` (the service name unless set) and `instance` (the host name unless set).
    pub fn metrics_pushgateway(mut self, url: impl Into<String>) -> Self {
        self.metrics.export.pushgateway = Some(url.into());
        self
    }

    /// The `job` of the Pushgateway group; overrides `DEPLOYTEL_METRICS_PUSHGATEWAY_JOB`.
    pub fn metrics_pushgateway_job(mut self, job: impl Into<String>) -> Self {
        self.metrics.export.job = Some(job.into());
        self
    }

    /// The `instance` of the Pushgateway group; overrides
    /// `DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE`.
    pub fn metrics_pushgateway_instance(mut self, instance: impl Into<String>) -> Self {
        self.metrics.export.instance = Some(instance.into());
        self
    }

    /// Writes no textfile and pushes nowhere, whatever the environment says.
    pub fn without_metrics_export(mut self) -> Self {
        self.metrics.export.off = true;
        self
    }

    /// Registers deploytel's metric families in `registry` (yours, beside your own metrics)
    /// instead of a new one.
    pub fn metrics_registry(mut self, registry: &Registry) -> Self {
        self.metrics.registry = Some(registry.clone());
        self
    }

    /// Series and label-length limits of every metric family (default: 1,000 label
    /// combinations, 128-byte values).
    pub fn metrics_limits(mut self, limits: Limits) -> Self {
        self.metrics.limits = limits;
        self
    }

    /// Adds a readiness check that `/health/ready` runs; more can be added after `init()`
    /// through [`Guard::health`].
    pub fn readiness_check(
        self,
        name: impl Into<String>,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.metrics.health.add_check(name, check);
        self
    }
}

impl Guard {
    /// The deploy metrics `init()` records from spans: their registry, for a server of your
    /// own, and families of your own beside them.
    pub fn metrics(&self) -> &DeployMetrics {
        &self.metrics.metrics
    }

    /// Where the metrics server listens, when one was started.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.server.as_ref().map(MetricsServer::local_addr)
    }

    /// The readiness checks of `/health/ready`; add checks here after `init()`.
    pub fn health(&self) -> &Health {
        &self.metrics.health
    }
}

/// The metrics settings, with what the builder hands over as it is.
#[derive(Debug)]
pub(crate) struct Plan {
    settings: MetricsSettings,
    registry: Option<Registry>,
    limits: Limits,
    health: Health,
}

/// Works out the plan from `choice` and `env`, before anything is installed.
pub(crate) fn plan(
    env: &(impl Env + ?Sized),
    choice: &Choice,
    settings: &Settings,
) -> Result<Plan, InitError> {
    Ok(Plan {
        settings: metrics_settings(
            env,
            &choice.server,
            choice.bearer_token.as_deref(),
            &choice.export,
            &settings.service_name,
        )?,
        registry: choice.registry.clone(),
        limits: choice.limits,
        health: choice.health.clone(),
    })
}

/// The metrics layer, which sees only deployment, step and subprocess spans, whatever the log
/// filter says.
pub(crate) type MetricsLayer<S> = Filtered<DeployMetricsLayer, DeploySpans, S>;

/// Builds the metrics and the layer, and starts the server the plan asks for.
pub(crate) fn install<S>(
    plan: Plan,
    settings: &Settings,
) -> Result<(MetricsLayer<S>, MetricsPipeline), InitError>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let pipeline = start(
        plan.settings,
        plan.registry.as_ref(),
        plan.limits,
        plan.health,
        &settings.redactor,
    )?;
    Ok((pipeline.metrics.layer().with_filter(DeploySpans), pipeline))
}

/// Whether and where to serve and export metrics, after the builder and the environment are
/// combined.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MetricsSettings {
    pub(crate) addr: Option<SocketAddr>,
    pub(crate) bearer_token: Option<String>,
    pub(crate) textfile: Option<PathBuf>,
    pub(crate) pushgateway: Option<PushSettings>,
}

/// Where to push, and under which grouping key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PushSettings {
    pub(crate) url: String,
    pub(crate) job: String,
    pub(crate) instance: String,
}

/// What the builder says about the batch export; unset fields come from the environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExportChoice {
    pub(crate) textfile: Option<PathBuf>,
    pub(crate) pushgateway: Option<String>,
    pub(crate) job: Option<String>,
    pub(crate) instance: Option<String>,
    pub(crate) off: bool,
}

/// What the builder says about the server: nothing (ask the environment), an address, or off.
#[derive(Clone, Debug, Default)]
pub(crate) enum ServerChoice {
    #[default]
    FromEnvironment,
    At(SocketAddr),
    Off,
}

pub(crate) fn metrics_settings(
    env: &(impl Env + ?Sized),
    choice: &ServerChoice,
    bearer_token: Option<&str>,
    export: &ExportChoice,
    service_name: &str,
) -> Result<MetricsSettings, InitError> {
    let addr =
        match choice {
            ServerChoice::At(addr) => Some(*addr),
            ServerChoice::Off => None,
            ServerChoice::FromEnvironment => match env.get(DEPLOYTEL_METRICS_ADDR)? {
                None => None,
                Some(value) if value.trim().eq_ignore_ascii_case("off") => None,
                Some(value) => Some(value.trim().parse().map_err(|_| {
                    InitError::InvalidVariable {
                        variable: DEPLOYTEL_METRICS_ADDR,
                        value: value.clone(),
                        reason: "expected ip:port, such as 127.0.0.1:9464 or 0.0.0.0:9464, or off"
                            .to_owned(),
                    }
                })?),
            },
        };
    let bearer_token = match bearer_token {
        Some(token) => Some(token.to_owned()),
        None => env.get(DEPLOYTEL_METRICS_BEARER_TOKEN)?,
    };
    let (textfile, pushgateway) = if export.off {
        (None, None)
    } else {
        let textfile = match &export.textfile {
            Some(path) => Some(path.clone()),
            None => switched_on(env, DEPLOYTEL_METRICS_TEXTFILE)?.map(PathBuf::from),
        };
        let url = match &export.pushgateway {
            Some(url) => Some(url.clone()),
            None => switched_on(env, DEPLOYTEL_METRICS_PUSHGATEWAY)?,
        };
        let pushgateway = match url {
            None => None,
            Some(url) => Some(PushSettings {
                url,
                job: match &export.job {
                    Some(job) => job.clone(),
                    None => env
                        .get(DEPLOYTEL_METRICS_PUSHGATEWAY_JOB)?
                        .unwrap_or_else(|| service_name.to_owned()),
                },
                instance: match &export.instance {
                    Some(instance) => instance.clone(),
                    None => match env.get(DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE)? {
                        Some(instance) => instance,
                        None => host_name(env)?,
                    },
                },
            }),
        };
        (textfile, pushgateway)
    };
    Ok(MetricsSettings {
        addr,
        bearer_token,
        textfile,
        pushgateway,
    })
}

/// The variable's value, unless unset, empty or `off`.
fn switched_on(
    env: &(impl Env + ?Sized),
    variable: &'static str,
) -> Result<Option<String>, InitError> {
    Ok(env.get(variable)?.filter(|value| {
        let value = value.trim();
        !value.is_empty() && !value.eq_ignore_ascii_case("off")
    }))
}

/// This host's name, the usual `instance` of a Pushgateway group.
fn host_name(env: &(impl Env + ?Sized)) -> Result<String, InitError> {
    Ok(deploytel_core::host::name(env.get("HOSTNAME")?))
}

/// The export the settings ask for; a bad path or address names its variable.
fn export(settings: &MetricsSettings) -> Result<MetricsExport, InitError> {
    let mut export = MetricsExport::new();
    if let Some(path) = &settings.textfile {
        export = export
            .textfile(path)
            .map_err(|e| invalid(DEPLOYTEL_METRICS_TEXTFILE, path.display().to_string(), &e))?;
    }
    if let Some(push) = &settings.pushgateway {
        export = with_pushgateway(export, push)?;
    }
    Ok(export)
}

#[cfg(feature = "pushgateway")]
fn with_pushgateway(
    export: MetricsExport,
    push: &PushSettings,
) -> Result<MetricsExport, InitError> {
    let gateway = deploytel_metrics::Pushgateway::new(&push.url, &push.job)
        .map_err(|e| invalid(DEPLOYTEL_METRICS_PUSHGATEWAY, push.url.clone(), &e))?
        .instance(&push.instance);
    Ok(export.pushgateway(gateway))
}

#[cfg(not(feature = "pushgateway"))]
fn with_pushgateway(_: MetricsExport, push: &PushSettings) -> Result<MetricsExport, InitError> {
    Err(InitError::InvalidVariable {
        variable: DEPLOYTEL_METRICS_PUSHGATEWAY,
        value: push.url.clone(),
        reason: "deploytel was built without its pushgateway feature".to_owned(),
    })
}

fn invalid(variable: &'static str, value: String, error: &dyn std::fmt::Display) -> InitError {
    InitError::InvalidVariable {
        variable,
        value,
        reason: error.to_string(),
    }
}

/// The metrics `init()` set up; the guard stops the server.
pub(crate) struct MetricsPipeline {
    metrics: DeployMetrics,
    health: Health,
    server: Option<MetricsServer>,
}

impl MetricsPipeline {
    /// Exports the metrics once more where they are exported; returns the exports that
    /// failed over the program's life and why the final one failed, if it did.
    pub(crate) fn deliver(&self, timeout: Duration) -> (u64, Option<String>) {
        match self.metrics.finish_export(timeout) {
            Some(report) if !report.final_delivered => (
                report.failed,
                Some(
                    report
                        .last_error
                        .unwrap_or_else(|| "the final export failed".to_owned()),
                ),
            ),
            Some(report) => (report.failed, None),
            None => (0, None),
        }
    }

    /// Label combinations sent to overflow series.
    pub(crate) fn overflows(&self) -> u64 {
        self.metrics.families().overflowed()
    }

    /// Makes the audit series the alert rules read, at 0.
    pub(crate) fn expect_audit_records(&self) -> Result<(), InitError> {
        Ok(self.metrics.expect_audit_records()?)
    }

    pub(crate) fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
    }
}

impl std::fmt::Debug for MetricsPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsPipeline")
            .field(
                "server",
                &self.server.as_ref().map(MetricsServer::local_addr),
            )
            .finish_non_exhaustive()
    }
}

fn start(
    settings: MetricsSettings,
    registry: Option<&Registry>,
    limits: Limits,
    health: Health,
    redactor: &deploytel_core::Redactor,
) -> Result<MetricsPipeline, InitError> {
    let mut metrics = DeployMetrics::builder()
        .limits(limits)
        .redactor(redactor.clone())
        .export(export(&settings)?);
    if let Some(registry) = registry {
        metrics = metrics.registry(registry);
    }
    let metrics = metrics.build()?;
    let server = match settings.addr {
        None => None,
        Some(addr) => {
            let mut server = MetricsServer::builder(metrics.registry())
                .addr(addr)
                .health(health.clone());
            if let Some(token) = settings.bearer_token {
                server = server.bearer_token(token);
            }
            Some(server.start()?)
        }
    };
    Ok(MetricsPipeline {
        metrics,
        health,
        server,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_export() -> ExportChoice {
        ExportChoice::default()
    }

    #[test]
    fn the_export_comes_from_the_builder_then_the_environment() {
        let env = [
            (DEPLOYTEL_METRICS_TEXTFILE, "/var/lib/node/deploytel.prom"),
            (DEPLOYTEL_METRICS_PUSHGATEWAY, "http://gw:9091"),
            (DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE, "web-01"),
        ];
        let from_env =
            metrics_settings(&env[..], &ServerChoice::Off, None, &no_export(), "deployer").unwrap();
        assert_eq!(
            from_env.textfile.as_deref(),
            Some(std::path::Path::new("/var/lib/node/deploytel.prom"))
        );
        assert_eq!(
            from_env.pushgateway,
            Some(PushSettings {
                url: "http://gw:9091".to_owned(),
                job: "deployer".to_owned(),
                instance: "web-01".to_owned(),
            })
        );
        let chosen = ExportChoice {
            pushgateway: Some("http://other:9091".to_owned()),
            job: Some("nightly".to_owned()),
            ..ExportChoice::default()
        };
        let settings = metrics_settings(&env[..], &ServerChoice::Off, None, &chosen, "d").unwrap();
        let push = settings.pushgateway.unwrap();
        assert_eq!(
            (push.url.as_str(), push.job.as_str()),
            ("http://other:9091", "nightly")
        );
        let off = ExportChoice {
            off: true,
            ..ExportChoice::default()
        };
        let settings = metrics_settings(&env[..], &ServerChoice::Off, None, &off, "d").unwrap();
        assert_eq!((settings.textfile, settings.pushgateway), (None, None));
        let switched_off = [
            (DEPLOYTEL_METRICS_PUSHGATEWAY, "off"),
            (DEPLOYTEL_METRICS_TEXTFILE, ""),
        ];
        let settings = metrics_settings(
            &switched_off[..],
            &ServerChoice::Off,
            None,
            &no_export(),
            "d",
        )
        .unwrap();
        assert_eq!((settings.textfile, settings.pushgateway), (None, None));
    }

    #[test]
    fn a_bad_export_target_names_its_variable() {
        let settings = |textfile: &str, url: &str| MetricsSettings {
            addr: None,
            bearer_token: None,
            textfile: Some(PathBuf::from(textfile)),
            pushgateway: Some(PushSettings {
                url: url.to_owned(),
                job: "j".to_owned(),
                instance: "i".to_owned(),
            }),
        };
        let error = export(&settings("/tmp/deploytel.txt", "http://gw:9091")).unwrap_err();
        assert!(
            matches!(&error, InitError::InvalidVariable { variable, .. } if *variable == DEPLOYTEL_METRICS_TEXTFILE),
            "{error}"
        );
        let error = export(&settings("/tmp/deploytel.prom", "gw:9091")).unwrap_err();
        assert!(
            matches!(&error, InitError::InvalidVariable { variable, .. } if *variable == DEPLOYTEL_METRICS_PUSHGATEWAY),
            "{error}"
        );
    }

    #[test]
    fn the_address_comes_from_the_builder_then_the_environment() {
        let env = [(DEPLOYTEL_METRICS_ADDR, "0.0.0.0:9100")];
        let from_env = metrics_settings(
            &env[..],
            &ServerChoice::FromEnvironment,
            None,
            &no_export(),
            "svc",
        )
        .unwrap();
        assert_eq!(from_env.addr, Some("0.0.0.0:9100".parse().unwrap()));
        let builder = ServerChoice::At("127.0.0.1:1".parse().unwrap());
        let chosen = metrics_settings(&env[..], &builder, None, &no_export(), "svc").unwrap();
        assert_eq!(chosen.addr, Some("127.0.0.1:1".parse().unwrap()));
        assert_eq!(
            metrics_settings(&env[..], &ServerChoice::Off, None, &no_export(), "svc")
                .unwrap()
                .addr,
            None
        );
        let unset: [(&str, &str); 0] = [];
        assert_eq!(
            metrics_settings(
                &unset[..],
                &ServerChoice::FromEnvironment,
                None,
                &no_export(),
                "svc"
            )
            .unwrap()
            .addr,
            None
        );
        let off = [(DEPLOYTEL_METRICS_ADDR, "off")];
        assert_eq!(
            metrics_settings(
                &off[..],
                &ServerChoice::FromEnvironment,
                None,
                &no_export(),
                "svc"
            )
            .unwrap()
            .addr,
            None
        );
    }

    #[test]
    fn a_bad_address_names_the_variable() {
        let env = [(DEPLOYTEL_METRICS_ADDR, "localhost")];
        let error = metrics_settings(
            &env[..],
            &ServerChoice::FromEnvironment,
            None,
            &no_export(),
            "svc",
        )
        .unwrap_err();
        assert!(
            matches!(&error, InitError::InvalidVariable { variable, value, .. } if *variable == DEPLOYTEL_METRICS_ADDR && value == "localhost"),
            "{error}"
        );
    }

    #[test]
    fn the_token_comes_from_the_builder_then_the_environment() {
        let env = [(DEPLOYTEL_METRICS_BEARER_TOKEN, "from-env")];
        let choice = ServerChoice::FromEnvironment;
        assert_eq!(
            metrics_settings(&env[..], &choice, None, &no_export(), "svc")
                .unwrap()
                .bearer_token
                .as_deref(),
            Some("from-env")
        );
        assert_eq!(
            metrics_settings(&env[..], &choice, Some("mine"), &no_export(), "svc")
                .unwrap()
                .bearer_token
                .as_deref(),
            Some("mine")
        );
    }
}
