//! Names and values as Elasticsearch with the ECS templates needs them: OpenTelemetry names
//! written as their ECS names, and every name or value it would reject renamed, never dropped.

use deploytel_testkit::json::Json;
use tracing::{info, info_span};

mod support;
use support::one_line;

#[test]
fn the_opentelemetry_names_of_a_subprocess_span_are_written_as_ecs_names() {
    let doc = one_line(|| {
        let span = info_span!(
            "subprocess",
            process.executable.name = "sh",
            process.executable.path = "/usr/bin/sh",
            process.pid = 4242u64,
            process.exit.code = 3i64,
            process.command_args = "sh -c true",
            deployment.environment.name = "staging",
        );
        span.in_scope(|| info!(process.stream = "stdout", "restarted web-02"));
    });
    assert_eq!(doc.str("process.name"), Some("sh"));
    assert_eq!(doc.str("process.executable"), Some("/usr/bin/sh"));
    assert_eq!(doc.get("process.pid").and_then(Json::as_u64), Some(4242));
    assert_eq!(doc.get("process.exit_code").and_then(Json::as_i64), Some(3));
    assert_eq!(doc.str("process.args"), Some("sh -c true"));
    // Not ECS's `service.environment`, which is where the orchestrator itself runs.
    assert_eq!(doc.str("deployment.environment.name"), Some("staging"));
    for otel in [
        "process.executable.name",
        "process.executable.path",
        "process.exit.code",
        "process.command_args",
    ] {
        assert_eq!(doc.get(otel), None, "{otel}");
    }
}

#[test]
fn an_opentelemetry_name_whose_ecs_name_is_taken_keeps_its_own_name() {
    let doc = one_line(|| {
        info!(
            process.executable.path = "/usr/bin/sh",
            process.executable = "/bin/sh",
            "x"
        )
    });
    assert_eq!(doc.str("process.executable"), Some("/bin/sh"));
    // Its own name nests under the ECS keyword, so that gets an underscore too.
    assert_eq!(doc.str("process.executable_.path"), Some("/usr/bin/sh"));
}

#[test]
fn metadata_names_blank_segments_and_deep_paths_are_renamed() {
    let deep: String = (0..25)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(".");
    let deep: &'static str = Box::leak(deep.into_boxed_str());
    let doc = one_line(|| {
        info!(
            "_id" = "abc",
            "_source.x" = 1u64,
            "a. .b" = 2u64,
            labels.a.b = "flat",
            "x" = 3u64,
            "{}",
            deep
        );
    });
    // The deep name is only in the message here; a field is tested below.
    assert_eq!(doc.str("_id_"), Some("abc"));
    assert_eq!(doc.get("_source_.x").and_then(Json::as_u64), Some(1));
    assert_eq!(doc.get("a._.b").and_then(Json::as_u64), Some(2));
    assert_eq!(doc.str("labels.a_b"), Some("flat"));
}

#[test]
fn a_path_deeper_than_twenty_levels_is_joined_at_its_end() {
    let doc = one_line(|| {
        info!(
            s0.s1
                .s2
                .s3
                .s4
                .s5
                .s6
                .s7
                .s8
                .s9
                .s10
                .s11
                .s12
                .s13
                .s14
                .s15
                .s16
                .s17
                .s18
                .s19
                .s20
                .s21 = 1u64,
            "x"
        )
    });
    let key = doc
        .keys()
        .into_iter()
        .find(|k| k.starts_with("s0."))
        .expect("the deep field is written");
    assert_eq!(key.split('.').count(), 20);
    assert!(key.ends_with("s19_s20_s21"), "{key}");
}

#[test]
fn values_that_an_ecs_type_cannot_hold_go_under_a_renamed_field() {
    let doc = one_line(|| {
        info!(
            process.pid = "abc",
            client.ip = "web-01",
            server.ip = "10.0.0.7",
            event.created = "yesterday",
            event.start = "2026-11-22T17:03:09Z",
            http.response.status_code = 200.5f64,
            event.duration = 1500u64,
            "x"
        )
    });
    assert_eq!(doc.str("process.pid_"), Some("abc"));
    assert_eq!(doc.str("client.ip_"), Some("web-01"));
    assert_eq!(doc.str("server.ip"), Some("10.0.0.7"));
    assert_eq!(doc.str("event.created_"), Some("yesterday"));
    assert_eq!(doc.str("event.start"), Some("2026-11-22T17:03:09Z"));
    assert_eq!(
        doc.get("http.response.status_code_").and_then(Json::as_f64),
        Some(200.5)
    );
    assert_eq!(doc.get("event.duration").and_then(Json::as_u64), Some(1500));
}

#[test]
fn nesting_under_an_ecs_leaf_renames_the_leaf_segment() {
    let doc = one_line(|| info!(host.name.short = "web", process.executable.text = "sh", "x"));
    assert_eq!(doc.str("host.name_.short"), Some("web"));
    assert_eq!(doc.str("process.executable_.text"), Some("sh"));
}

#[test]
fn integers_beyond_a_long_are_strings_except_in_an_ecs_float() {
    let big = u64::MAX;
    let doc = one_line(|| {
        info!(
            mine = big,
            event.sequence = big,
            host.cpu.usage = big,
            process.title = big,
            wide = u128::MAX,
            fits = i64::MAX as u64,
            "x"
        )
    });
    assert_eq!(doc.str("mine"), Some("18446744073709551615"));
    // `event.sequence` is a long: the value cannot be one, so it moves aside.
    assert_eq!(doc.str("event.sequence_"), Some("18446744073709551615"));
    assert_eq!(doc.get("event.sequence"), None);
    assert_eq!(
        doc.get("host.cpu.usage").and_then(Json::as_f64),
        Some(1.8446744073709552e19)
    );
    assert_eq!(doc.str("process.title"), Some("18446744073709551615"));
    assert_eq!(doc.str("wide"), Some(u128::MAX.to_string().as_str()));
    assert_eq!(doc.get("fits").and_then(Json::as_i64), Some(i64::MAX));
}
