//! Prometheus metrics in `init()`: the deploy metrics layer always, the /metrics and health
//! server when an address is configured.

use std::net::SocketAddr;

use deploytel_metrics::prometheus::Registry;
use deploytel_metrics::{DeployMetrics, Health, Limits, MetricsServer};

use crate::env::{Env, DEPLOYTEL_METRICS_ADDR, DEPLOYTEL_METRICS_BEARER_TOKEN};
use crate::InitError;

/// Whether and where to serve metrics, after the builder and the environment are combined.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MetricsSettings {
    pub(crate) addr: Option<SocketAddr>,
    pub(crate) bearer_token: Option<String>,
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
    Ok(MetricsSettings { addr, bearer_token })
}

/// The metrics `init()` set up; the guard stops the server.
pub(crate) struct MetricsPipeline {
    pub(crate) metrics: DeployMetrics,
    pub(crate) health: Health,
    pub(crate) server: Option<MetricsServer>,
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

pub(crate) fn install(
    settings: MetricsSettings,
    registry: Option<&Registry>,
    limits: Limits,
    health: Health,
) -> Result<MetricsPipeline, InitError> {
    let mut metrics = DeployMetrics::builder().limits(limits);
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

    #[test]
    fn the_address_comes_from_the_builder_then_the_environment() {
        let env = [(DEPLOYTEL_METRICS_ADDR, "0.0.0.0:9100")];
        let from_env = metrics_settings(&env[..], &ServerChoice::FromEnvironment, None).unwrap();
        assert_eq!(from_env.addr, Some("0.0.0.0:9100".parse().unwrap()));
        let builder = ServerChoice::At("127.0.0.1:1".parse().unwrap());
        let chosen = metrics_settings(&env[..], &builder, None).unwrap();
        assert_eq!(chosen.addr, Some("127.0.0.1:1".parse().unwrap()));
        assert_eq!(
            metrics_settings(&env[..], &ServerChoice::Off, None)
                .unwrap()
                .addr,
            None
        );
        let unset: [(&str, &str); 0] = [];
        assert_eq!(
            metrics_settings(&unset[..], &ServerChoice::FromEnvironment, None)
                .unwrap()
                .addr,
            None
        );
        let off = [(DEPLOYTEL_METRICS_ADDR, "off")];
        assert_eq!(
            metrics_settings(&off[..], &ServerChoice::FromEnvironment, None)
                .unwrap()
                .addr,
            None
        );
    }

    #[test]
    fn a_bad_address_names_the_variable() {
        let env = [(DEPLOYTEL_METRICS_ADDR, "localhost")];
        let error = metrics_settings(&env[..], &ServerChoice::FromEnvironment, None).unwrap_err();
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
            metrics_settings(&env[..], &choice, None)
                .unwrap()
                .bearer_token
                .as_deref(),
            Some("from-env")
        );
        assert_eq!(
            metrics_settings(&env[..], &choice, Some("mine"))
                .unwrap()
                .bearer_token
                .as_deref(),
            Some("mine")
        );
    }
}
