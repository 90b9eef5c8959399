//! The trace pipeline in a build without the `otlp` feature: the same shape as `traces`, doing
//! nothing. Spans still reach the other layers; none is exported and none is lost.

use std::time::Duration;

use tracing_subscriber::layer::Identity;

use crate::env::Env;
use crate::settings::Settings;
use crate::InitError;

/// Nothing to choose.
#[derive(Clone, Debug, Default)]
pub(crate) struct Choice;

/// Nothing to plan.
#[derive(Debug)]
pub(crate) struct Plan;

pub(crate) fn plan(_: &(impl Env + ?Sized), _: &Choice) -> Result<Plan, InitError> {
    Ok(Plan)
}

/// Nothing to flush.
#[derive(Debug, Default)]
pub(crate) struct TracePipeline;

/// Nothing delivered, nothing lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TraceDelivery {
    pub(crate) exported: u64,
    pub(crate) lost: u64,
    pub(crate) reason: Option<String>,
}

impl TracePipeline {
    pub(crate) fn install_globals(&self) {}

    pub(crate) fn shutdown(&mut self, _: Duration) -> TraceDelivery {
        TraceDelivery::default()
    }
}

pub(crate) fn install(_: Plan, _: &Settings) -> Result<(Identity, TracePipeline), InitError> {
    Ok((Identity::new(), TracePipeline))
}
