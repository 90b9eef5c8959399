//! The log pipeline: ECS JSON lines (feature `ecs`) or one line of text per event, both masked
//! by the one redactor.

use tracing_subscriber::{Layer, Registry};

use crate::settings::{LogFormat, Settings};

/// The log layer, boxed rather than an `Option`: an `Option` layer does not pass on
/// `on_register_dispatch`, which the ECS layer needs to find trace ids.
pub(crate) type LogLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// What the guard keeps of the logs: the ECS layer's counters, when it writes.
#[derive(Debug, Default)]
pub(crate) struct LogPipeline {
    #[cfg(feature = "ecs")]
    stats: Option<deploytel_ecs::EcsStats>,
}

impl LogPipeline {
    /// Lines the writer refused.
    pub(crate) fn lost_lines(&self) -> u64 {
        #[cfg(feature = "ecs")]
        return self
            .stats
            .as_ref()
            .map_or(0, deploytel_ecs::EcsStats::write_failures);
        #[cfg(not(feature = "ecs"))]
        0
    }
}

/// The layer `settings.log_format` asks for.
pub(crate) fn install(settings: &Settings) -> (LogLayer, LogPipeline) {
    match settings.log_format {
        LogFormat::Json => json_lines(settings),
        LogFormat::Text => (text_lines(settings), LogPipeline::default()),
    }
}

#[cfg(feature = "ecs")]
fn json_lines(settings: &Settings) -> (LogLayer, LogPipeline) {
    let mut ecs = deploytel_ecs::EcsLayer::builder()
        .service_name(&settings.service_name)
        .redactor(settings.redactor.clone());
    if let Some(version) = &settings.service_version {
        ecs = ecs.service_version(version);
    }
    if let Some(environment) = &settings.service_environment {
        ecs = ecs.service_environment(environment);
    }
    let layer = ecs.build();
    let stats = Some(layer.stats());
    (layer.boxed(), LogPipeline { stats })
}

/// Without the ECS layer, JSON is not on offer.
#[cfg(not(feature = "ecs"))]
fn json_lines(settings: &Settings) -> (LogLayer, LogPipeline) {
    (text_lines(settings), LogPipeline::default())
}

fn text_lines(settings: &Settings) -> LogLayer {
    tracing_subscriber::fmt::layer()
        .fmt_fields(crate::masked_fields::MaskedFields::new(
            settings.redactor.clone(),
        ))
        .boxed()
}
