//! Without any forwarding feature: no receiver can be named, and a variable that names one
//! is an error rather than ignored. Same shape as `audit_forwarding.rs`.

use std::time::Duration;

use crate::env::{
    Env, DEPLOYTEL_AUDIT_DATADOG_API_KEY, DEPLOYTEL_AUDIT_DATADOG_URL,
    DEPLOYTEL_AUDIT_ELASTICSEARCH_API_KEY, DEPLOYTEL_AUDIT_ELASTICSEARCH_INDEX,
    DEPLOYTEL_AUDIT_ELASTICSEARCH_URL, DEPLOYTEL_AUDIT_SPLUNK_HEC_ACK,
    DEPLOYTEL_AUDIT_SPLUNK_HEC_INDEX, DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN,
    DEPLOYTEL_AUDIT_SPLUNK_HEC_URL, DEPLOYTEL_AUDIT_TLS_CA_FILE,
};
use crate::InitError;

/// No receiver exists in this build.
pub(crate) type Destination = std::convert::Infallible;

pub(crate) fn plan(env: &(impl Env + ?Sized)) -> Result<Vec<Destination>, InitError> {
    for (variable, feature) in [
        (DEPLOYTEL_AUDIT_ELASTICSEARCH_URL, "audit-elasticsearch"),
        (DEPLOYTEL_AUDIT_ELASTICSEARCH_INDEX, "audit-elasticsearch"),
        (DEPLOYTEL_AUDIT_ELASTICSEARCH_API_KEY, "audit-elasticsearch"),
        (DEPLOYTEL_AUDIT_SPLUNK_HEC_URL, "audit-splunk-hec"),
        (DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN, "audit-splunk-hec"),
        (DEPLOYTEL_AUDIT_SPLUNK_HEC_INDEX, "audit-splunk-hec"),
        (DEPLOYTEL_AUDIT_SPLUNK_HEC_ACK, "audit-splunk-hec"),
        (DEPLOYTEL_AUDIT_DATADOG_API_KEY, "audit-datadog"),
        (DEPLOYTEL_AUDIT_DATADOG_URL, "audit-datadog"),
        (DEPLOYTEL_AUDIT_TLS_CA_FILE, "audit-tls"),
    ] {
        if env.get(variable)?.is_some() {
            return Err(InitError::InvalidVariable {
                variable,
                value: "(set)".into(),
                reason: format!(
                    "this build cannot forward there: enable deploytel's `{feature}` feature"
                ),
            });
        }
    }
    Ok(Vec::new())
}

/// No certificate authorities: `plan` has refused the variable already.
#[cfg_attr(not(feature = "audit"), allow(dead_code))]
pub(crate) fn trusted_roots(_: &(impl Env + ?Sized)) -> Result<Vec<Vec<u8>>, InitError> {
    Ok(Vec::new())
}

#[derive(Debug, Default)]
#[cfg_attr(not(feature = "audit"), allow(dead_code))]
pub(crate) struct Forwarding;

impl Forwarding {
    #[cfg_attr(not(feature = "audit"), allow(dead_code))]
    pub(crate) fn start<Trail>(
        destinations: Vec<Destination>,
        _: &[Vec<u8>],
        _: &Trail,
    ) -> Result<Self, InitError> {
        match destinations.into_iter().next() {
            None => Ok(Forwarding),
            Some(never) => match never {},
        }
    }

    #[cfg_attr(not(feature = "audit"), allow(dead_code))]
    pub(crate) fn stop(&mut self, _: Duration) -> u64 {
        0
    }
}
