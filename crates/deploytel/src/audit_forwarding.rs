//! Forwarding the audit journal to SIEMs in `init()`: one forwarder per receiver whose
//! variables are set, each on a thread of its own, stopped by the guard with a report of
//! what is still pending (it stays in the journal for the next start).

use std::time::Duration;

use crate::env::{
    Env, DEPLOYTEL_AUDIT_DATADOG_API_KEY, DEPLOYTEL_AUDIT_DATADOG_URL,
    DEPLOYTEL_AUDIT_ELASTICSEARCH_API_KEY, DEPLOYTEL_AUDIT_ELASTICSEARCH_INDEX,
    DEPLOYTEL_AUDIT_ELASTICSEARCH_URL, DEPLOYTEL_AUDIT_SPLUNK_HEC_ACK,
    DEPLOYTEL_AUDIT_SPLUNK_HEC_INDEX, DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN,
    DEPLOYTEL_AUDIT_SPLUNK_HEC_URL, DEPLOYTEL_AUDIT_TLS_CA_FILE,
};
use crate::InitError;

pub(crate) use deploytel_audit::forward::{Destination, Forwarder};

/// Datadog's site (`datadoghq.eu`, `us5.datadoghq.com`, …), as Datadog's agents read it.
const DD_SITE: &str = "DD_SITE";

/// The index records go to when `DEPLOYTEL_AUDIT_ELASTICSEARCH_INDEX` is unset: a data
/// stream name in Elastic's `type-dataset-namespace` scheme.
pub const DEFAULT_ELASTICSEARCH_INDEX: &str = "logs-deploytel.audit-default";

/// The receivers the environment names, checked before anything starts.
pub(crate) fn plan(env: &(impl Env + ?Sized)) -> Result<Vec<Destination>, InitError> {
    let mut destinations = Vec::new();
    if let Some(url) = env.get(DEPLOYTEL_AUDIT_ELASTICSEARCH_URL)? {
        let index = env
            .get(DEPLOYTEL_AUDIT_ELASTICSEARCH_INDEX)?
            .unwrap_or_else(|| DEFAULT_ELASTICSEARCH_INDEX.to_owned());
        let api_key = env.get(DEPLOYTEL_AUDIT_ELASTICSEARCH_API_KEY)?;
        #[cfg(feature = "audit-elasticsearch")]
        {
            let mut sink = deploytel_audit::forward::ElasticsearchSink::new(url, index);
            if let Some(key) = api_key {
                sink = sink.api_key(key);
            }
            destinations.push(sink.into());
        }
        #[cfg(not(feature = "audit-elasticsearch"))]
        {
            let _ = (index, api_key);
            return Err(not_built(
                DEPLOYTEL_AUDIT_ELASTICSEARCH_URL,
                url,
                "audit-elasticsearch",
            ));
        }
    }
    if let Some(url) = env.get(DEPLOYTEL_AUDIT_SPLUNK_HEC_URL)? {
        let token = required(
            env,
            DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN,
            DEPLOYTEL_AUDIT_SPLUNK_HEC_URL,
        )?;
        let index = env.get(DEPLOYTEL_AUDIT_SPLUNK_HEC_INDEX)?;
        let acknowledged = switch(env, DEPLOYTEL_AUDIT_SPLUNK_HEC_ACK)?;
        #[cfg(feature = "audit-splunk-hec")]
        {
            let mut sink = deploytel_audit::forward::SplunkHecSink::new(url, token);
            if let Some(index) = index {
                sink = sink.index(index);
            }
            if acknowledged {
                sink = sink.indexer_acknowledgement(Duration::from_secs(10), 30);
            }
            destinations.push(sink.into());
        }
        #[cfg(not(feature = "audit-splunk-hec"))]
        {
            let _ = (token, index, acknowledged);
            return Err(not_built(
                DEPLOYTEL_AUDIT_SPLUNK_HEC_URL,
                url,
                "audit-splunk-hec",
            ));
        }
    }
    if let Some(key) = env.get(DEPLOYTEL_AUDIT_DATADOG_API_KEY)? {
        let url = match env.get(DEPLOYTEL_AUDIT_DATADOG_URL)? {
            Some(url) => url,
            None => match env.get(DD_SITE)? {
                Some(site) => format!("https://http-intake.logs.{}", site.trim()),
                None => "https://http-intake.logs.datadoghq.com".to_owned(),
            },
        };
        #[cfg(feature = "audit-datadog")]
        destinations.push(deploytel_audit::forward::DatadogSink::new(url, key).into());
        #[cfg(not(feature = "audit-datadog"))]
        {
            let _ = (key, url);
            return Err(not_built(
                DEPLOYTEL_AUDIT_DATADOG_API_KEY,
                "(a key)".into(),
                "audit-datadog",
            ));
        }
    }
    Ok(destinations)
}

/// The certificate authorities of `DEPLOYTEL_AUDIT_TLS_CA_FILE`, read now so that a missing
/// file fails `init()` rather than every request.
pub(crate) fn trusted_roots(env: &(impl Env + ?Sized)) -> Result<Vec<Vec<u8>>, InitError> {
    let Some(path) = env.get(DEPLOYTEL_AUDIT_TLS_CA_FILE)? else {
        return Ok(Vec::new());
    };
    if !cfg!(feature = "audit-tls") {
        return Err(not_built(DEPLOYTEL_AUDIT_TLS_CA_FILE, path, "audit-tls"));
    }
    let pem = std::fs::read(&path).map_err(|e| InitError::InvalidVariable {
        variable: DEPLOYTEL_AUDIT_TLS_CA_FILE,
        value: path.clone(),
        reason: format!("cannot read it: {e}"),
    })?;
    Ok(vec![pem])
}

fn required(
    env: &(impl Env + ?Sized),
    variable: &'static str,
    because: &'static str,
) -> Result<String, InitError> {
    env.get(variable)?
        .ok_or_else(|| InitError::InvalidVariable {
            variable,
            value: String::new(),
            reason: format!("{because} is set, so {variable} must be too"),
        })
}

fn switch(env: &(impl Env + ?Sized), variable: &'static str) -> Result<bool, InitError> {
    match env.get(variable)?.as_deref().map(str::trim) {
        None | Some("" | "off" | "false" | "0") => Ok(false),
        Some("on" | "true" | "1") => Ok(true),
        Some(other) => Err(InitError::InvalidVariable {
            variable,
            value: other.to_owned(),
            reason: "expected on or off".into(),
        }),
    }
}

fn not_built(variable: &'static str, value: String, feature: &str) -> InitError {
    InitError::InvalidVariable {
        variable,
        value,
        reason: format!("this build cannot forward there: enable deploytel's `{feature}` feature"),
    }
}

/// The forwarders of a running trail.
#[derive(Debug, Default)]
pub(crate) struct Forwarding {
    forwarders: Vec<Forwarder>,
}

impl Forwarding {
    /// Starts a forwarder per destination, reading `trail`.
    pub(crate) fn start(
        destinations: Vec<Destination>,
        roots: &[Vec<u8>],
        trail: &deploytel_audit::AuditTrail,
    ) -> Result<Self, InitError> {
        let forwarders = destinations
            .into_iter()
            .map(|destination| {
                #[allow(unused_mut)] // roots are added only with TLS
                let mut builder = Forwarder::builder(destination);
                #[cfg(feature = "audit-tls")]
                for pem in roots {
                    builder = builder.root_certificate_pem(pem.clone());
                }
                #[cfg(not(feature = "audit-tls"))]
                let _ = roots;
                builder.spawn(trail)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Forwarding { forwarders })
    }

    /// Stops every forwarder, giving each at most `within` to deliver what is pending;
    /// returns the records still pending, summed over the forwarders.
    pub(crate) fn stop(&mut self, within: Duration) -> u64 {
        self.forwarders
            .drain(..)
            .map(|forwarder| forwarder.shutdown(within).pending)
            .sum()
    }
}
