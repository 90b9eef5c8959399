//! The commit time on a deployment's span: given, asked of a real git repository, or unknown.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use deploytel_span::commit_time::{self, CommitTimeError};
use deploytel_span::Deployment;
use deploytel_testkit::spans::{exported, text};

const COMMIT_TIME: &str = "deploytel.vcs.commit_time";

/// A repository with two commits, made at known committer times.
fn repository(dir: &Path) -> (String, String) {
    let git = |args: &[&str], date: &str| {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@example.com")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@example.com")
            .env("GIT_AUTHOR_DATE", "2026-11-01T08:00:00Z")
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    std::fs::create_dir_all(dir).unwrap();
    git(&["init", "-q"], "");
    git(
        &["commit", "-q", "--allow-empty", "-m", "first"],
        "2026-11-30T10:00:00+02:00",
    );
    let first = git(&["rev-parse", "HEAD"], "");
    git(
        &["commit", "-q", "--allow-empty", "-m", "second"],
        "2026-12-01T09:15:30Z",
    );
    let second = git(&["rev-parse", "HEAD"], "");
    (first, second)
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("deploytel-commit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn git_gives_the_committer_time_of_the_revision_deployed() {
    let dir = scratch("git");
    let (first, second) = repository(&dir);

    let commit = commit_time::from_git(&dir, &first[..9]).unwrap();
    assert_eq!(commit.revision, first);
    // The committer date, in UTC; the author date (a month earlier) is not the one.
    assert_eq!(commit.time, UNIX_EPOCH + Duration::from_secs(1_796_025_600));

    let spans = exported(|| {
        Deployment::builder("deploy-billing", "production")
            .revision(&first[..9])
            .commit_time_from_git(&dir)
            .start()
            .succeed();
        // No revision given: HEAD's is recorded with its time.
        Deployment::builder("deploy-billing", "production")
            .commit_time_from_git(&dir)
            .start()
            .succeed();
    });
    assert_eq!(
        text(&spans[0], COMMIT_TIME).as_deref(),
        Some("2026-11-30T08:00:00Z")
    );
    assert_eq!(
        text(&spans[0], "vcs.ref.head.revision").as_deref(),
        Some(&first[..9])
    );
    assert_eq!(
        text(&spans[1], COMMIT_TIME).as_deref(),
        Some("2026-12-01T09:15:30Z")
    );
    assert_eq!(text(&spans[1], "vcs.ref.head.revision"), Some(second));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_given_time_wins_and_an_unknown_one_is_not_recorded() {
    let dir = scratch("unknown");
    repository(&dir);
    let spans = exported(|| {
        Deployment::builder("deploy-billing", "production")
            .revision("0123456789abcdef")
            .commit_time(UNIX_EPOCH + Duration::from_secs(1_796_083_200))
            .commit_time_from_git(&dir)
            .start()
            .succeed();
        // git does not know the revision: a warning, and no time.
        Deployment::builder("deploy-billing", "production")
            .revision("0123456789abcdef")
            .commit_time_from_git(&dir)
            .start()
            .succeed();
        // Not a repository at all.
        Deployment::builder("deploy-billing", "production")
            .commit_time_from_git(dir.join("missing"))
            .start()
            .succeed();
        // No source named.
        Deployment::builder("deploy-billing", "production")
            .revision("0123456789abcdef")
            .start()
            .succeed();
    });
    assert_eq!(
        text(&spans[0], COMMIT_TIME).as_deref(),
        Some("2026-12-01T00:00:00Z")
    );
    for span in &spans[1..] {
        assert_eq!(text(span, COMMIT_TIME), None, "{}", span.name);
    }
    let warnings: Vec<_> = spans[1..3]
        .iter()
        .map(|span| {
            span.events
                .iter()
                .find(|event| event.name.starts_with("commit time unknown"))
                .map(|event| event.name.to_string())
        })
        .collect();
    assert!(warnings.iter().all(Option::is_some), "{warnings:?}");

    let error = commit_time::from_git(&dir, "0123456789abcdef").unwrap_err();
    assert!(matches!(error, CommitTimeError::Git { .. }), "{error}");
    let error = commit_time::from_git(&dir.join("missing"), "HEAD").unwrap_err();
    assert!(matches!(error, CommitTimeError::Git { .. }), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_deployment_made_by_the_macro_records_its_commit_time_after_the_start() {
    let spans = exported(|| {
        let deployment = deploytel_span::deployment!("deploy-billing", "production");
        deployment.record_commit_time(UNIX_EPOCH + Duration::from_secs(1_796_083_200));
        deployment.succeed();
    });
    assert_eq!(
        text(&spans[0], COMMIT_TIME).as_deref(),
        Some("2026-12-01T00:00:00Z")
    );
}
