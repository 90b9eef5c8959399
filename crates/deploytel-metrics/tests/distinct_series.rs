//! Distinct label tuples give distinct series, whatever the values: the `prometheus` crate's
//! vectors hash label values back to back, so `("ab", "c")` and `("a", "bc")` would share one
//! series. Checked on the exposition a scrape would read.

use std::collections::BTreeSet;
use std::time::Duration;

use deploytel_core::Outcome;
use deploytel_metrics::prometheus::Registry;
use deploytel_metrics::{encode_text, DeployMetrics, Families, Limits, OVERFLOW_VALUE};
use deploytel_testkit::prometheus::Scrape;
use proptest::prelude::*;

fn scrape(registry: &Registry) -> Scrape {
    Scrape::parse(&encode_text(registry).unwrap()).unwrap()
}

fn labels<'a>(a: &'a str, b: &'a str) -> [(&'a str, &'a str); 2] {
    [("a", a), ("b", b)]
}

#[test]
fn tuples_that_join_to_the_same_text_stay_apart() {
    let registry = Registry::new();
    let families = Families::new(&registry, Limits::default()).unwrap();
    let runs = families
        .counter("t_runs_total", "Runs.", &["a", "b"])
        .unwrap();
    let pairs = [
        ("ab", "c"),
        ("a", "bc"),
        ("a\0", "b"),
        ("a", "\0b"),
        ("x\n", "y"),
        ("x", "\ny"),
        ("\u{ff}", ""),
        ("", "\u{ff}"),
        ("k,", "v"),
        ("k", ",v"),
        ("k=", "v"),
        ("k", "=v"),
        ("q\"", "r"),
        ("q", "\"r"),
        ("s\\", "t"),
        ("s", "\\t"),
    ];
    for (i, (a, b)) in pairs.iter().enumerate() {
        runs.with_labels(&[a, b]).unwrap().inc_by(i as u64 + 1);
    }
    let scraped = scrape(&registry);
    for (i, (a, b)) in pairs.iter().enumerate() {
        assert_eq!(
            scraped.value("t_runs_total", &labels(a, b)),
            Some(i as f64 + 1.0),
            "({a:?}, {b:?})"
        );
    }
    assert_eq!(scraped.series("t_runs_total").len(), pairs.len());
}

#[test]
fn a_user_tuple_never_shares_the_overflow_series() {
    let registry = Registry::new();
    let families = Families::new(&registry, Limits::default().max_series(1)).unwrap();
    let runs = families
        .counter("t_runs_total", "Runs.", &["a", "b"])
        .unwrap();
    let joined = format!("{OVERFLOW_VALUE}{OVERFLOW_VALUE}");
    runs.with_labels(&[&joined, ""]).unwrap().inc();
    // The family is full now: this one goes to the overflow series.
    runs.with_labels(&["other", "x"]).unwrap().inc_by(10);
    let scraped = scrape(&registry);
    assert_eq!(
        scraped.value("t_runs_total", &labels(&joined, "")),
        Some(1.0)
    );
    assert_eq!(
        scraped.value("t_runs_total", &labels(OVERFLOW_VALUE, OVERFLOW_VALUE)),
        Some(10.0)
    );
}

#[test]
fn a_deployment_is_counted_and_shown_running_under_its_own_labels() {
    let metrics = DeployMetrics::builder().build().unwrap();
    metrics.record_deployment("a", "bc", Outcome::Failure, Duration::from_secs(1));
    let running = metrics.start_deployment("run", "ning");
    let other = metrics.start_deployment("runn", "ing");
    other.finish(Outcome::Success);

    let scraped = scrape(metrics.registry());
    let deployments = |pipeline, environment, result| {
        scraped.value(
            "deploytel_deployments_total",
            &[
                ("pipeline", pipeline),
                ("environment", environment),
                ("result", result),
            ],
        )
    };
    assert_eq!(deployments("a", "bc", "failure"), Some(1.0));
    assert_eq!(deployments("ab", "c", "failure"), None);
    let active = |pipeline, environment| {
        scraped.value(
            "deploytel_deployments_active",
            &[("pipeline", pipeline), ("environment", environment)],
        )
    };
    assert_eq!(active("run", "ning"), Some(1.0));
    assert_eq!(active("runn", "ing"), Some(0.0));
    running.finish(Outcome::Success);
}

/// Tuples made by cutting a few shared texts (over an alphabet rich in separators) at
/// different places, so that many of them join to the same text.
fn tuples() -> impl Strategy<Value = Vec<(String, String, String)>> {
    let text = "[ab,=\"\\\\\\n\\x00\u{ff}~_]{0,6}";
    (
        proptest::collection::vec(text, 1..4),
        proptest::collection::vec((any::<prop::sample::Index>(), 0usize..8, 0usize..8), 1..12),
    )
        .prop_map(|(texts, cuts)| {
            cuts.into_iter()
                .map(|(which, i, j)| {
                    let chars: Vec<char> = which.get(&texts).chars().collect();
                    let (i, j) = (i.min(chars.len()), j.min(chars.len()));
                    let (i, j) = (i.min(j), i.max(j));
                    let part = |r: std::ops::Range<usize>| chars[r].iter().collect::<String>();
                    (part(0..i), part(i..j), part(j..chars.len()))
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn distinct_tuples_give_distinct_series(
        tuples in tuples(),
    ) {
        let distinct: Vec<_> = tuples
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let registry = Registry::new();
        let families = Families::new(&registry, Limits::default()).unwrap();
        let runs = families.counter("t_runs_total", "Runs.", &["a", "b", "c"]).unwrap();
        // Each tuple counts a different number, so two that merged would show as their sum.
        for (i, (a, b, c)) in distinct.iter().enumerate() {
            runs.with_labels(&[a, b, c]).unwrap().inc_by(1 << i);
        }
        let scraped = scrape(&registry);
        let series = scraped.series("t_runs_total");
        prop_assert_eq!(series.len(), distinct.len());
        let mut values: Vec<u64> = series.iter().map(|s| s.value as u64).collect();
        values.sort_unstable();
        let expected: Vec<u64> = (0..distinct.len()).map(|i| 1 << i).collect();
        prop_assert_eq!(values, expected);
    }
}
