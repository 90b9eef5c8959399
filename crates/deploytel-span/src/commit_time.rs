//! When the deployed revision was committed: the start of DORA's lead time for changes.
//!
//! Three sources, tried in the order a [`DeploymentBuilder`](crate::DeploymentBuilder) tries
//! them: a time the caller gives; the CI system's variables, where the CI system has one; git,
//! asked about the revision in a repository the caller names. A time none of them knows is not
//! recorded: lead time is then not measured for that deployment, never guessed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deploytel_core::calendar::{format_rfc3339_seconds, parse_rfc3339_instant};

/// Why git could not say when a revision was committed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitTimeError {
    /// git could not be started (not installed, not on `PATH`).
    #[error("could not run git: {0}")]
    Spawn(#[source] std::io::Error),
    /// git ran and refused: not a repository, or no such revision.
    #[error("git log {revision} in {}: {stderr}", .repository.display())]
    Git {
        /// The repository asked.
        repository: PathBuf,
        /// The revision asked about.
        revision: String,
        /// What git wrote to stderr, trimmed.
        stderr: String,
    },
    /// git answered something that is not a commit time.
    #[error("git log {revision} answered {answer:?}, not a commit time")]
    Unreadable {
        /// The revision asked about.
        revision: String,
        /// git's answer.
        answer: String,
    },
    /// A revision that git would read as an option.
    #[error("{0:?} is not a revision")]
    NotARevision(String),
}

/// A commit as git tells it: its full id and its committer time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The full commit id.
    pub revision: String,
    /// The committer date: when the commit was made on its branch (a rebase or an amend moves
    /// it), which is when the change became ready to ship.
    pub time: SystemTime,
}

/// Asks git in `repository` for `revision`'s commit id and committer time (`git log -1
/// --format=%H %ct`). `HEAD`, a branch, a tag or a short id all work.
pub fn from_git(repository: &Path, revision: &str) -> Result<Commit, CommitTimeError> {
    if revision.is_empty() || revision.starts_with('-') {
        return Err(CommitTimeError::NotARevision(revision.to_owned()));
    }
    let output = Command::new("git")
        .arg("-C")
        .arg(repository)
        .args(["log", "-1", "--no-show-signature", "--format=%H %ct"])
        .arg(revision)
        .arg("--")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(CommitTimeError::Spawn)?;
    if !output.status.success() {
        return Err(CommitTimeError::Git {
            repository: repository.to_owned(),
            revision: revision.to_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    let answer = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let unreadable = || CommitTimeError::Unreadable {
        revision: revision.to_owned(),
        answer: answer.clone(),
    };
    let (id, seconds) = answer.split_once(' ').ok_or_else(unreadable)?;
    let seconds: u64 = seconds.parse().map_err(|_| unreadable())?;
    Ok(Commit {
        revision: id.to_owned(),
        time: UNIX_EPOCH + Duration::from_secs(seconds),
    })
}

/// The commit time the CI system running this process gives for `revision` (any revision when
/// `None`), read from the variables `lookup` returns:
///
/// - GitLab CI: `CI_COMMIT_TIMESTAMP`, when `CI_COMMIT_SHA` is the revision;
/// - GitHub Actions: `head_commit.timestamp` of the event payload at `GITHUB_EVENT_PATH`
///   (push events have it), when `head_commit.id` is the revision.
///
/// Other CI systems (Jenkins, CircleCI, Buildkite, Azure Pipelines) give the revision but not
/// its time: use [`from_git`] on the checkout there.
pub fn from_ci_variables(
    revision: Option<&str>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Option<Commit> {
    let given = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let wanted = |id: &str| revision.is_none_or(|revision| same_revision(revision, id));
    if given("GITLAB_CI").is_some() {
        let id = given("CI_COMMIT_SHA")?;
        let time = given("CI_COMMIT_TIMESTAMP").and_then(|text| parse_rfc3339_instant(&text))?;
        return wanted(&id).then_some(Commit { revision: id, time });
    }
    if given("GITHUB_ACTIONS").as_deref() == Some("true") {
        let payload = std::fs::read(given("GITHUB_EVENT_PATH")?).ok()?;
        let event: serde_json::Value = serde_json::from_slice(&payload).ok()?;
        let head = event.get("head_commit")?;
        let id = head.get("id")?.as_str()?.to_owned();
        let time = head
            .get("timestamp")?
            .as_str()
            .and_then(parse_rfc3339_instant)?;
        return wanted(&id).then_some(Commit { revision: id, time });
    }
    None
}

/// Whether `given` (perhaps a short id) and the full id `full` name the same commit.
fn same_revision(given: &str, full: &str) -> bool {
    given.len() >= 7 && full.len() >= given.len() && full[..given.len()].eq_ignore_ascii_case(given)
}

/// `time` as the RFC 3339 UTC text recorded on the span, to the second (commit times have no
/// finer part).
pub(crate) fn format(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    format_rfc3339_seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn gitlab_gives_the_time_of_its_own_commit_only() {
        let gitlab = variables(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_SHA", "9f3c2d1e5b7a8c6d4e2f1a0b9c8d7e6f5a4b3c2d"),
            ("CI_COMMIT_TIMESTAMP", "2026-12-01T09:30:00+01:00"),
        ]);
        let commit = from_ci_variables(Some("9f3c2d1"), &gitlab).unwrap();
        assert_eq!(format(commit.time), "2026-12-01T08:30:00Z");
        assert_eq!(from_ci_variables(None, &gitlab), Some(commit));
        assert_eq!(from_ci_variables(Some("0aa11bb"), &gitlab), None);
    }

    #[test]
    fn github_gives_the_head_commit_of_a_push_event() {
        let dir = std::env::temp_dir().join(format!("deploytel-event-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("event.json");
        std::fs::write(
            &path,
            r#"{"head_commit":{"id":"0aa11bb22cc33dd44ee55ff66aa77bb88cc99dd0","timestamp":"2026-11-30T17:00:00-08:00"}}"#,
        )
        .unwrap();
        let path = path.to_string_lossy();
        let github = variables(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_PATH", &path)]);
        let commit = from_ci_variables(Some("0aa11bb22cc"), &github).unwrap();
        assert_eq!(format(commit.time), "2026-12-01T01:00:00Z");
        assert_eq!(from_ci_variables(Some("9f3c2d1"), &github), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn no_ci_system_or_a_ci_without_times_gives_nothing() {
        assert_eq!(from_ci_variables(None, variables(&[])), None);
        let jenkins = variables(&[("JENKINS_URL", "http://ci"), ("GIT_COMMIT", "9f3c2d1")]);
        assert_eq!(from_ci_variables(None, jenkins), None);
        let bad_time = variables(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_SHA", "9f3c2d1e5b7a8c6d"),
            ("CI_COMMIT_TIMESTAMP", "yesterday"),
        ]);
        assert_eq!(from_ci_variables(None, bad_time), None);
    }

    #[test]
    fn a_revision_that_looks_like_an_option_is_refused() {
        let error = from_git(Path::new("."), "--output=/tmp/x").unwrap_err();
        assert!(matches!(error, CommitTimeError::NotARevision(_)), "{error}");
    }
}
