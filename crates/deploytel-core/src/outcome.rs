//! How a deployment, step or subprocess ended.

use std::fmt;
use std::str::FromStr;

/// The result of a pipeline run or task run: the values of `cicd.pipeline.result` and
/// `cicd.pipeline.task.run.result`.
///
/// `Failure` means the deployed work itself failed (a playbook reported failed hosts); `Error`
/// means the orchestrator could not do its job (the playbook could not be started).
///
/// ```
/// use deploytel_core::Outcome;
///
/// let ran: Result<(), std::io::Error> = Ok(());
/// assert_eq!(Outcome::from(&ran).as_str(), "success");
/// assert_eq!("timeout".parse::<Outcome>(), Ok(Outcome::Timeout));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Finished successfully.
    Success,
    /// Did not finish successfully: the deployed work failed.
    Failure,
    /// Failed because of an error in the orchestrator or its environment.
    Error,
    /// Interrupted by a timeout.
    Timeout,
    /// Cancelled, for example by a user or because the program stopped.
    Cancellation,
    /// Skipped, for example because a precondition was not met.
    Skip,
}

impl Outcome {
    /// Every outcome, in declaration order; useful to create one series per outcome up front.
    pub const ALL: [Outcome; 6] = [
        Outcome::Success,
        Outcome::Failure,
        Outcome::Error,
        Outcome::Timeout,
        Outcome::Cancellation,
        Outcome::Skip,
    ];

    /// The semantic-conventions value, e.g. `"cancellation"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Error => "error",
            Outcome::Timeout => "timeout",
            Outcome::Cancellation => "cancellation",
            Outcome::Skip => "skip",
        }
    }

    /// Whether this outcome counts as a success.
    pub const fn is_success(self) -> bool {
        matches!(self, Outcome::Success)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Ok` is a success and `Err` a failure; map to another outcome explicitly when an error means
/// a timeout or a cancellation.
impl<T, E> From<&Result<T, E>> for Outcome {
    fn from(result: &Result<T, E>) -> Self {
        match result {
            Ok(_) => Outcome::Success,
            Err(_) => Outcome::Failure,
        }
    }
}

/// The text was not one of the [`Outcome`] values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown outcome {value:?}: expected one of success, failure, error, timeout, cancellation, skip"
)]
pub struct UnknownOutcome {
    /// The text that was given.
    pub value: String,
}

impl FromStr for Outcome {
    type Err = UnknownOutcome;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == s)
            .ok_or_else(|| UnknownOutcome {
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_round_trips_through_its_string() {
        for outcome in Outcome::ALL {
            assert_eq!(outcome.as_str().parse::<Outcome>(), Ok(outcome));
            assert_eq!(outcome.to_string(), outcome.as_str());
        }
    }

    #[test]
    fn an_err_result_is_a_failure_and_ok_a_success() {
        let failed: Result<(), &str> = Err("boom");
        let done: Result<u8, &str> = Ok(1);
        assert_eq!(Outcome::from(&failed), Outcome::Failure);
        assert_eq!(Outcome::from(&done), Outcome::Success);
    }

    #[test]
    fn an_unknown_value_names_itself_in_the_error() {
        let err = "skipped".parse::<Outcome>().unwrap_err();
        assert_eq!(err.value, "skipped");
        assert!(err.to_string().contains("\"skipped\""));
    }
}
