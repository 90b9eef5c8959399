//! Helpers the integration tests of this crate share; each test file uses some of them.
#![allow(dead_code)]

use deploytel_ecs::{EcsLayer, EcsLayerBuilder};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::json::Document;
use tracing_subscriber::layer::SubscriberExt;

/// Runs `f` under a subscriber with the layer `configure` builds, writing into a capture, and
/// returns the lines, each checked by the ECS mapping checker.
pub fn lines_of(
    configure: impl FnOnce(EcsLayerBuilder) -> EcsLayerBuilder,
    f: impl FnOnce(),
) -> Vec<Document> {
    let capture = Capture::new();
    let layer = configure(EcsLayer::builder())
        .with_writer(capture.clone())
        .build();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
    parse_ecs_lines(&capture.text()).unwrap()
}

/// The one line `f` writes under a layer with the default settings.
pub fn one_line(f: impl FnOnce()) -> Document {
    let mut lines = lines_of(|b| b, f);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.remove(0)
}
