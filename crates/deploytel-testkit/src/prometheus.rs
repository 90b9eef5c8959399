//! Reading a Prometheus text scrape, and checking one with the real `promtool`.

use std::io::Write;
use std::process::{Command, Stdio};

/// One sample line of a scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The series name, with its `_bucket`/`_sum`/`_count` suffix if any.
    pub name: String,
    /// Labels in the order written.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

/// The samples of a text-format scrape.
#[derive(Clone, Debug, Default)]
pub struct Scrape {
    /// Every sample, in order.
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// Parses the text format; comment lines are skipped, a malformed line is an error.
    pub fn parse(text: &str) -> Result<Scrape, String> {
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| parse_sample(line).ok_or_else(|| format!("malformed sample line: {line}")))
            .collect::<Result<_, _>>()?;
        Ok(Scrape { samples })
    }

    /// The value of the series `name` whose labels are exactly `labels` (in any order).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
            })
            .map(|s| s.value)
    }

    /// Samples of series `name`.
    pub fn series(&self, name: &str) -> Vec<&Sample> {
        self.samples.iter().filter(|s| s.name == name).collect()
    }
}

fn parse_sample(line: &str) -> Option<Sample> {
    let (name, rest) = match line.find(['{', ' ']) {
        Some(i) => line.split_at(i),
        None => return None,
    };
    let mut labels = Vec::new();
    let mut rest = rest;
    if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = inner.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = inner.find('=')?;
            let key = inner[..eq].trim_start_matches(',').to_owned();
            let mut chars = inner[eq + 1..].strip_prefix('"')?.char_indices();
            let mut value = String::new();
            let end = loop {
                match chars.next()? {
                    (i, '"') => break i,
                    (_, '\\') => match chars.next()?.1 {
                        'n' => value.push('\n'),
                        c => value.push(c),
                    },
                    (_, c) => value.push(c),
                }
            };
            labels.push((key, value));
            inner = inner[eq + 1..].get(end + 2..)?.trim_start_matches(',');
        }
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Runs `promtool` with `args` and `stdin`, returning its combined output; an error when it
/// exits with a failure or is not installed (the test script installs Debian's `prometheus`).
pub fn promtool(args: &[&str], stdin: &str) -> Result<String, String> {
    let mut child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run promtool (install Debian's `prometheus` package): {e}"))?;
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.as_bytes())
            .map_err(|e| format!("cannot write to promtool: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("promtool did not finish: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!(
            "promtool {args:?} failed ({}):\n{text}",
            output.status
        ))
    }
}

/// `promtool check metrics` on a scrape: lint of names, help texts and format. Any finding is
/// an error.
pub fn check_metrics(scrape: &str) -> Result<(), String> {
    let output = promtool(&["check", "metrics"], scrape)?;
    if output.trim().is_empty() {
        Ok(())
    } else {
        Err(format!("promtool check metrics found problems:\n{output}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_metrics_reports_lint_findings() {
        let bad = "# HELP runs Runs.\n# TYPE runs counter\nruns 1\n";
        let finding = check_metrics(bad).unwrap_err();
        assert!(finding.contains("_total"), "{finding}");
        check_metrics("# HELP runs_total Runs.\n# TYPE runs_total counter\nruns_total 1\n")
            .unwrap();
    }

    #[test]
    fn parses_labels_with_escapes_and_special_values() {
        let scrape = Scrape::parse(
            "# HELP x_total X.\n# TYPE x_total counter\n\
             x_total{a=\"q\\\"uote\",b=\"c,d=e\"} 3\nup 1\nh_bucket{le=\"+Inf\"} 2\n",
        )
        .unwrap();
        assert_eq!(
            scrape.value("x_total", &[("b", "c,d=e"), ("a", "q\"uote")]),
            Some(3.0)
        );
        assert_eq!(scrape.value("up", &[]), Some(1.0));
        assert_eq!(scrape.value("h_bucket", &[("le", "+Inf")]), Some(2.0));
        assert_eq!(scrape.value("x_total", &[("a", "q\"uote")]), None);
    }
}
