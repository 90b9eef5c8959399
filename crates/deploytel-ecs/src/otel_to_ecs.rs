//! OpenTelemetry attribute names that ECS spells differently, and the ECS field each one is
//! written as.
//!
//! deploytel's spans carry OpenTelemetry semantic-convention names, which is what trace
//! backends expect. Where ECS defines the same thing under another name, a log line must use
//! the ECS name: `process.executable` is a keyword in ECS, so a line carrying OTel's
//! `process.executable.name` would be rejected by Elasticsearch. Names absent from this table
//! (`cicd.*`, `vcs.*`, `deployment.*`, and the many that both standards spell alike, such as
//! `host.name`, `url.full` or `http.request.method`) are written as they are.

/// `(OpenTelemetry name, ECS name)`, sorted by the OpenTelemetry name.
const TABLE: &[(&str, &str)] = &[
    // The most common way tracing users log an error: `error = %e`.
    ("error", "error.message"),
    ("exception.message", "error.message"),
    ("exception.stacktrace", "error.stack_trace"),
    ("exception.type", "error.type"),
    ("host.arch", "host.architecture"),
    ("http.request.body.size", "http.request.body.bytes"),
    ("http.request.size", "http.request.bytes"),
    ("http.response.body.size", "http.response.body.bytes"),
    ("http.response.size", "http.response.bytes"),
    ("network.protocol.name", "network.protocol"),
    ("process.command_args", "process.args"),
    ("process.executable.name", "process.name"),
    ("process.executable.path", "process.executable"),
    ("process.exit.code", "process.exit_code"),
    ("process.parent_pid", "process.parent.pid"),
    ("thread.id", "process.thread.id"),
    ("thread.name", "process.thread.name"),
];

/// The ECS name of the OpenTelemetry attribute `name`, if ECS spells it differently.
pub(crate) fn ecs_name(name: &str) -> Option<&'static str> {
    TABLE
        .binary_search_by(|(otel, _)| (*otel).cmp(name))
        .ok()
        .map(|i| TABLE[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_maps_to_ecs_leaves() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        for (otel, ecs) in TABLE {
            assert!(
                crate::schema::leaf_type(ecs.as_bytes()).is_some(),
                "{otel} → {ecs} is not an ECS leaf"
            );
        }
    }

    #[test]
    fn process_names_become_ecs_names() {
        assert_eq!(ecs_name("process.executable.name"), Some("process.name"));
        assert_eq!(
            ecs_name("process.executable.path"),
            Some("process.executable")
        );
        assert_eq!(ecs_name("process.exit.code"), Some("process.exit_code"));
        assert_eq!(ecs_name("process.command_args"), Some("process.args"));
        assert_eq!(ecs_name("deployment.environment.name"), None);
        assert_eq!(ecs_name("process.pid"), None);
    }
}
