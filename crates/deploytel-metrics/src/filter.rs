//! A per-layer filter that shows the metrics layer the deploy spans, the audit trail's events, the
//! Ansible host results and the Terraform changes, and nothing else.

use deploytel_core::{ansible_events, audit_events, span_names, terraform_events};
use tracing_core::subscriber::Interest;
use tracing_core::{LevelFilter, Metadata};
use tracing_subscriber::layer::{Context, Filter};

/// Enables deployment, step and subprocess spans, the audit trail's events (target
/// `deploytel_audit`), the Ansible host results (target `deploytel_ansible`) and the Terraform
/// plan changes (target `deploytel_terraform`), at any level, for the layer it filters, and
/// nothing else; so `DeployMetrics::layer().with_filter(DeploySpans)` keeps counting
/// deployments when the log filter (a per-layer `EnvFilter` on the log layer) is set to `warn`.
///
/// A filter added to the subscriber as a whole (`registry().with(EnvFilter)`) disables spans
/// for every layer, this one included; give the log layer its own filter instead.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeploySpans;

fn is_counted(metadata: &Metadata<'_>) -> bool {
    if metadata.is_event() {
        return matches!(
            metadata.target(),
            audit_events::TARGET | ansible_events::TARGET | terraform_events::TARGET
        );
    }
    matches!(
        metadata.name(),
        span_names::DEPLOYMENT | span_names::STEP | span_names::SUBPROCESS
    )
}

impl<S> Filter<S> for DeploySpans {
    fn enabled(&self, metadata: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        is_counted(metadata)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_counted(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }
}
