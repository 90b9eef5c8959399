//! Readiness checks: registered once, run on every `/health/ready` and `/health/detailed`.

use std::fmt::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

type CheckFn = dyn Fn() -> Result<(), String> + Send + Sync;

/// A check and its name.
type NamedCheck = (String, Arc<CheckFn>);

/// The readiness checks of a process; clones share the list, so checks can be added after the
/// server started.
///
/// ```
/// use deploytel_metrics::Health;
///
/// let health = Health::default();
/// health.add_check("inventory", || Ok(()));
/// health.add_check("vault", || Err("connection refused".to_owned()));
/// let report = health.run();
/// assert!(!report.is_ready());
/// assert_eq!(report.failing().next().unwrap().name, "vault");
/// ```
#[derive(Clone, Default)]
pub struct Health {
    checks: Arc<RwLock<Vec<NamedCheck>>>,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let checks = self.checks.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_list()
            .entries(checks.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Health {
    /// Adds a check: `Ok` when the process can do its work, `Err` with the reason otherwise. It
    /// runs on the server thread for every readiness request, so keep it quick; a panic in it
    /// counts as a failure.
    pub fn add_check(
        &self,
        name: impl Into<String>,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) {
        self.checks
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push((name.into(), Arc::new(check)));
    }

    /// Runs every check, in the order added.
    pub fn run(&self) -> HealthReport {
        // Checks run without the lock, so a check may add another.
        let checks = self
            .checks
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let checks = checks
            .into_iter()
            .map(|(name, check)| {
                let started = Instant::now();
                let outcome = catch_unwind(AssertUnwindSafe(|| check()))
                    .unwrap_or_else(|_| Err("the check panicked".to_owned()));
                CheckResult {
                    name,
                    latency: started.elapsed(),
                    error: outcome.err(),
                }
            })
            .collect();
        HealthReport { checks }
    }
}

/// The result of running every readiness check once.
#[derive(Clone, Debug)]
pub struct HealthReport {
    /// One result per check, in the order added.
    pub checks: Vec<CheckResult>,
}

/// The result of one readiness check.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// How long it ran.
    pub latency: Duration,
    /// Why it failed; `None` when it passed.
    pub error: Option<String>,
}

impl HealthReport {
    /// Whether every check passed (true when there are none).
    pub fn is_ready(&self) -> bool {
        self.checks.iter().all(|c| c.error.is_none())
    }

    /// The checks that failed.
    pub fn failing(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.error.is_some())
    }

    /// Plain text for `/health/ready`: `ready`, or one line per failing check.
    pub(crate) fn to_text(&self) -> String {
        if self.is_ready() {
            return "ready\n".to_owned();
        }
        let mut text = String::from("not ready\n");
        for check in self.failing() {
            let _ = writeln!(
                text,
                "{}: {}",
                check.name,
                check.error.as_deref().unwrap_or("")
            );
        }
        text
    }

    /// JSON for `/health/detailed`.
    pub(crate) fn to_json(&self) -> String {
        let mut json = String::from("{\"status\":");
        json.push_str(if self.is_ready() {
            "\"pass\""
        } else {
            "\"fail\""
        });
        json.push_str(",\"checks\":[");
        for (i, check) in self.checks.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str("{\"name\":");
            push_json_string(&mut json, &check.name);
            json.push_str(",\"status\":");
            json.push_str(if check.error.is_none() {
                "\"pass\""
            } else {
                "\"fail\""
            });
            let _ = write!(json, ",\"latency_seconds\":{}", check.latency.as_secs_f64());
            if let Some(error) = &check.error {
                json.push_str(",\"error\":");
                push_json_string(&mut json, error);
            }
            json.push('}');
        }
        json.push_str("]}\n");
        json
    }
}

fn push_json_string(json: &mut String, text: &str) {
    json.push('"');
    for c in text.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(json, "\\u{:04x}", u32::from(c));
            }
            c => json.push(c),
        }
    }
    json.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_check_fails_without_taking_the_server_down() {
        let health = Health::default();
        health.add_check("boom", || panic!("bad check"));
        let report = health.run();
        assert_eq!(
            report.checks[0].error.as_deref(),
            Some("the check panicked")
        );
    }

    #[test]
    fn detailed_json_escapes_names_and_errors() {
        let health = Health::default();
        health.add_check("db \"main\"", || Err("line 1\nline 2\u{1}".to_owned()));
        let json = health.run().to_json();
        assert!(json.starts_with(r#"{"status":"fail","checks":[{"name":"db \"main\"","status":"fail","latency_seconds":"#), "{json}");
        assert!(
            json.ends_with("\"error\":\"line 1\\nline 2\\u0001\"}]}\n"),
            "{json}"
        );
    }
}
