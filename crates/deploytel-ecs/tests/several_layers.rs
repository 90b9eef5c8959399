//! Several `EcsLayer`s in one subscriber, the most ordinary set-up there is (stdout and a
//! file), each with its own settings: none panics, and each writes its own lines.

use deploytel_ecs::{EcsLayer, Redactor};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::json::{Document, Json};
use tracing::{info, info_span, warn, Level};
use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer as _;

fn lines(capture: &Capture) -> Vec<Document> {
    parse_ecs_lines(&capture.text()).unwrap()
}

/// A deployment span whose fields are recorded at creation and later, with a secret inside.
fn deploy() {
    let deployment = info_span!(
        "deployment",
        deployment.name = "billing",
        db.url = "postgres://admin:hunter2@db/billing",
        process.exit.code = tracing::field::Empty,
    );
    let _d = deployment.enter();
    info!("deployment started");
    let step = info_span!("step", cicd.pipeline.task.name = "migrate");
    step.in_scope(|| warn!(attempt = 2u64, "retrying"));
    deployment.record("process.exit.code", 3i64);
    info!("deployment finished");
}

#[test]
fn two_layers_each_write_every_line_with_their_own_settings() {
    let (stdout, file) = (Capture::new(), Capture::new());
    let subscriber = tracing_subscriber::registry()
        .with(
            EcsLayer::builder()
                .service_name("to-stdout")
                .with_writer(stdout.clone())
                .build(),
        )
        .with(
            EcsLayer::builder()
                .service_name("to-file")
                .redactor(Redactor::disabled())
                .with_writer(file.clone())
                .build(),
        );
    tracing::subscriber::with_default(subscriber, deploy);

    let (stdout, file) = (lines(&stdout), lines(&file));
    assert_eq!(stdout.len(), 3);
    assert_eq!(file.len(), 3);
    for (doc, service) in stdout
        .iter()
        .map(|d| (d, "to-stdout"))
        .chain(file.iter().map(|d| (d, "to-file")))
    {
        assert_eq!(doc.str("service.name"), Some(service));
        assert_eq!(doc.str("deployment.name"), Some("billing"));
    }
    assert_eq!(
        stdout[0].str("db.url"),
        Some("postgres://admin:[REDACTED]@db/billing")
    );
    assert_eq!(
        file[0].str("db.url"),
        Some("postgres://admin:hunter2@db/billing")
    );
    for lines in [&stdout, &file] {
        assert_eq!(lines[1].str("cicd.pipeline.task.name"), Some("migrate"));
        assert_eq!(lines[1].get("attempt").and_then(Json::as_u64), Some(2));
        // Recorded on the span after creation: both layers have it, under its ECS name.
        assert_eq!(
            lines[2].get("process.exit_code").and_then(Json::as_i64),
            Some(3)
        );
        assert_eq!(lines[0].get("process.exit_code"), None);
    }
}

#[test]
fn three_layers_with_their_own_filters_see_only_what_their_filter_lets_through() {
    let (all, warnings, steps) = (Capture::new(), Capture::new(), Capture::new());
    let subscriber = tracing_subscriber::registry()
        .with(
            EcsLayer::builder()
                .service_name("all")
                .with_writer(all.clone())
                .build(),
        )
        .with(
            EcsLayer::builder()
                .service_name("warnings")
                .with_writer(warnings.clone())
                .build()
                .with_filter(LevelFilter::WARN),
        )
        .with(
            EcsLayer::builder()
                .service_name("steps")
                .with_writer(steps.clone())
                .build()
                // Only the step span and what happens inside it: the deployment span is
                // never recorded by this layer.
                .with_filter(filter_fn(|meta| {
                    meta.name() == "step" || (meta.is_event() && *meta.level() == Level::WARN)
                })),
        );
    tracing::subscriber::with_default(subscriber, || {
        deploy();
        deploy();
    });

    let all = lines(&all);
    assert_eq!(all.len(), 6);
    assert!(all.iter().all(|d| d.str("service.name") == Some("all")));

    let warnings = lines(&warnings);
    assert_eq!(warnings.len(), 2);
    for doc in &warnings {
        assert_eq!(doc.str("message"), Some("retrying"));
        // Spans filtered out for this layer leave no fields in its lines.
        assert_eq!(doc.get("deployment.name"), None);
        assert_eq!(doc.get("cicd.pipeline.task.name"), None);
    }

    let steps = lines(&steps);
    assert_eq!(steps.len(), 2);
    for doc in &steps {
        assert_eq!(doc.str("service.name"), Some("steps"));
        assert_eq!(doc.str("cicd.pipeline.task.name"), Some("migrate"));
        assert_eq!(doc.get("deployment.name"), None);
    }
}

#[test]
fn a_layer_added_to_spans_on_many_threads_keeps_its_fields_apart() {
    let (a, b) = (Capture::new(), Capture::new());
    let subscriber = tracing_subscriber::registry()
        .with(EcsLayer::builder().with_writer(a.clone()).build())
        .with(
            EcsLayer::builder()
                .redactor(Redactor::disabled())
                .with_writer(b.clone())
                .build(),
        );
    let dispatch = tracing::Dispatch::new(subscriber);
    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let dispatch = dispatch.clone();
            scope.spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for i in 0..50u64 {
                        let span = info_span!("step", thread, i, token = "s3cret");
                        span.in_scope(|| info!("in step"));
                    }
                });
            });
        }
    });
    let (a, b) = (lines(&a), lines(&b));
    assert_eq!(a.len(), 200);
    assert_eq!(b.len(), 200);
    assert!(a.iter().all(|d| d.str("token") == Some("[REDACTED]")));
    assert!(b.iter().all(|d| d.str("token") == Some("s3cret")));
}
