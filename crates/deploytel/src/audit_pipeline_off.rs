//! The audit pipeline in a build without the `audit` feature: the same shape as
//! `audit_pipeline`, refusing an audit directory rather than ignoring it.

use tracing_subscriber::layer::Identity;

use crate::env::{Env, DEPLOYTEL_AUDIT_DIR};
use crate::settings::Settings;
use crate::InitError;

/// Only whether a helper process turned auditing off.
#[derive(Clone, Debug, Default)]
pub(crate) struct Choice {
    off: bool,
}

impl crate::Builder {
    /// Records no audit trail (this build has none): lets a helper process that inherits
    /// `DEPLOYTEL_AUDIT_DIR` start.
    pub fn without_audit(mut self) -> Self {
        self.audit.off = true;
        self
    }
}

/// Nothing to plan.
#[derive(Debug)]
pub(crate) struct Plan;

/// An audit directory this build cannot honour is an error: records must not be dropped
/// silently.
pub(crate) fn plan(env: &(impl Env + ?Sized), choice: &Choice) -> Result<Option<Plan>, InitError> {
    if choice.off {
        return Ok(None);
    }
    crate::audit_forwarding::plan(env)?;
    match env.get(DEPLOYTEL_AUDIT_DIR)? {
        Some(value) => Err(InitError::InvalidVariable {
            variable: DEPLOYTEL_AUDIT_DIR,
            value,
            reason: "this build has no audit trail: enable deploytel's `audit` feature".into(),
        }),
        None => Ok(None),
    }
}

/// Nothing recorded.
#[derive(Debug, Default)]
pub(crate) struct AuditPipeline;

impl AuditPipeline {
    pub(crate) fn is_recording(&self) -> bool {
        false
    }

    pub(crate) fn stop(&mut self, _: std::time::Duration) -> u64 {
        0
    }
}

pub(crate) fn install(
    _: Option<Plan>,
    _: &Settings,
) -> Result<(Identity, AuditPipeline), InitError> {
    Ok((Identity::new(), AuditPipeline))
}
