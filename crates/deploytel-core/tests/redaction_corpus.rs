//! The redactor against the corpora: every secret sample masked, every near miss and every
//! ordinary value left exactly as it was, every secret field name recognised and no harmless
//! one. Each test reports what it counted before asserting, so a failure shows the whole
//! picture rather than the first case.

use deploytel_core::{redact, Redactor, REDACTED};
use deploytel_testkit::secrets::{
    harmless_values, near_misses, secret_samples, token_prefixes, Harmless, HARMLESS_NAMES,
    SECRET_NAMES,
};

fn unchanged(redactor: &Redactor, corpus: &[Harmless]) -> Vec<String> {
    corpus
        .iter()
        .filter_map(|h| {
            let out = redactor.redact(&h.text);
            (out != h.text).then(|| format!("{}: {:?} -> {:?}", h.kind, h.text, out))
        })
        .collect()
}

#[test]
fn every_secret_sample_is_masked() {
    let redactor = Redactor::default();
    let samples = secret_samples();
    let leaks: Vec<String> = samples
        .iter()
        .filter_map(|s| {
            let out = redactor.redact(&s.text);
            (out.contains(&s.secret) || !out.contains(REDACTED))
                .then(|| format!("{}: {:?} -> {:?}", s.detector, s.text, out))
        })
        .collect();
    let families: std::collections::BTreeSet<_> = samples.iter().map(|s| s.detector).collect();
    println!(
        "secrets: {} leaked of {} samples ({} detectors and token families)",
        leaks.len(),
        samples.len(),
        families.len()
    );
    assert!(
        families.len() >= 40,
        "the corpus covers {} shapes",
        families.len()
    );
    assert!(leaks.is_empty(), "leaked:\n{}", leaks.join("\n"));
}

#[test]
fn near_misses_of_every_detector_stay_as_they_are() {
    let corpus = near_misses();
    let altered = unchanged(&Redactor::default(), &corpus);
    println!("near misses: {} altered of {}", altered.len(), corpus.len());
    assert!(altered.is_empty(), "altered:\n{}", altered.join("\n"));
}

#[test]
fn ordinary_values_stay_as_they_are() {
    let corpus = harmless_values();
    let altered = unchanged(&Redactor::default(), &corpus);
    println!(
        "harmless values: {} altered of {}",
        altered.len(),
        corpus.len()
    );
    assert!(altered.is_empty(), "altered:\n{}", altered.join("\n"));
}

#[test]
fn secret_names_are_recognised_and_harmless_ones_are_not() {
    let redactor = Redactor::default();
    let missed: Vec<_> = SECRET_NAMES
        .iter()
        .filter(|n| !redactor.is_secret_key(n))
        .collect();
    let wrongly: Vec<_> = HARMLESS_NAMES
        .iter()
        .filter(|n| redactor.is_secret_key(n))
        .collect();
    println!(
        "names: {} of {} secret names missed, {} of {} harmless names masked",
        missed.len(),
        SECRET_NAMES.len(),
        wrongly.len(),
        HARMLESS_NAMES.len()
    );
    assert!(
        missed.is_empty() && wrongly.is_empty(),
        "missed {missed:?}, masked {wrongly:?}"
    );
}

#[test]
fn every_token_format_the_redactor_knows_is_in_the_corpus() {
    let covered: Vec<&str> = token_prefixes().collect();
    let missing: Vec<_> = redact::token_formats()
        .filter(|(_, prefix)| !covered.contains(prefix))
        .collect();
    assert!(missing.is_empty(), "no sample for {missing:?}");
}
