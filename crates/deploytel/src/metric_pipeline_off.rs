//! The metrics pipeline in a build without the `metrics` feature: the same shape as
//! `metric_pipeline`, doing nothing.

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

pub(crate) fn plan(_: &(impl Env + ?Sized), _: &Choice, _: &Settings) -> Result<Plan, InitError> {
    Ok(Plan)
}

/// Nothing recorded, nothing to export.
#[derive(Debug, Default)]
pub(crate) struct MetricsPipeline;

impl MetricsPipeline {
    pub(crate) fn deliver(&self, _: Duration) -> (u64, Option<String>) {
        (0, None)
    }

    pub(crate) fn overflows(&self) -> u64 {
        0
    }

    pub(crate) fn expect_audit_records(&self) -> Result<(), InitError> {
        Ok(())
    }

    pub(crate) fn stop_server(&mut self) {}
}

pub(crate) fn install(_: Plan, _: &Settings) -> Result<(Identity, MetricsPipeline), InitError> {
    Ok((Identity::new(), MetricsPipeline))
}
