//! Loopback receivers that follow the wire contracts of the SIEMs the audit trail forwards
//! to, as their vendors document them, for tests that cannot reach the real services.

pub mod datadog;
pub mod elasticsearch;
mod scripted;
pub mod server;

/// What a test controls on every fake receiver.
pub trait Receiver {
    /// The shared controls; the methods below are the way to use them.
    #[doc(hidden)]
    fn controls(&self) -> &dyn Controls;

    /// The receiver's URL, `http://127.0.0.1:port`.
    fn url(&self) -> String {
        self.controls().url()
    }

    /// Answers the next requests so, one answer each, then by the receiver's rules again.
    fn script(&self, answers: impl IntoIterator<Item = Answer>)
    where
        Self: Sized,
    {
        self.controls().push_script(answers.into_iter().collect());
    }

    /// Answers every request so until `None`, ahead of the script.
    fn outage(&self, answer: Option<Answer>) {
        self.controls().set_outage(answer);
    }
}

/// The controls behind [`Receiver`].
#[doc(hidden)]
pub trait Controls {
    /// The URL.
    fn url(&self) -> String;
    /// Appends to the script.
    fn push_script(&self, answers: Vec<Answer>);
    /// Sets or ends the outage.
    fn set_outage(&self, answer: Option<Answer>);
}
pub mod splunk_hec;
#[cfg(feature = "siem-tls")]
pub mod tls;

/// What a receiver does with the next request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Store what can be stored, as Elasticsearch would.
    Normal,
    /// Answer the whole request with this status (and `Retry-After` seconds, if given).
    Status(u16, Option<u32>),
    /// Elasticsearch only: a 200 with these item statuses, in action order (201 beyond the
    /// list): 201 stores, 409 says it exists, 429/5xx and 400 are the rejection, overload
    /// and parse errors.
    Items(Vec<u16>),
    /// Reset the connection.
    Reset,
    /// Never answer.
    Hold,
}
