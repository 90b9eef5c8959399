//! What a receiver's answer means for the records of a request: the shared delivery rules
//! every sink follows, whatever its wire format.
//!
//! | answer | what happens |
//! |---|---|
//! | 2xx | the sink reads the body (per-item statuses, acknowledgement ids) |
//! | 408, 429, 5xx but 501, connection error, timeout | retried after a backoff (`Retry-After` honoured); counts toward the breaker |
//! | 413 | the request is split in halves down to one record; a record refused alone goes to the dead letter |
//! | other 4xx | split the same way, so that only the record the receiver refuses goes to the dead letter |
//! | 401, 403 | nothing is sent until the breaker's wait ends; the records stay in the journal, never in the dead letter |
//! | 404, 405, 501 | the receiver is not what the URL should point at: as 401 |

use std::time::Duration;

use super::http::{Response, TransportError, TransportFailure};
use super::wire::AckPolling;

/// Why a request failed, as the failed-request metric names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 401 or 403: the credentials were refused.
    Auth,
    /// 404, 405, 501, or a request that could not be built: the URL or settings are wrong.
    Misconfigured,
    /// 408 or 429: the receiver asked us to slow down.
    Throttled,
    /// 5xx: the receiver failed.
    ServerError,
    /// 413: the request was too large.
    TooLarge,
    /// Another 4xx: the receiver refused (part of) the data.
    Rejected,
    /// No connection, or it broke.
    Connection,
    /// No answer in time.
    Timeout,
}

impl Failure {
    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Failure::Auth => "auth",
            Failure::Misconfigured => "misconfigured",
            Failure::Throttled => "throttled",
            Failure::ServerError => "server_error",
            Failure::TooLarge => "too_large",
            Failure::Rejected => "rejected",
            Failure::Connection => "connection",
            Failure::Timeout => "timeout",
        }
    }
}

/// What to do with a request's records.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Every record is stored.
    Delivered,
    /// One verdict per record, in request order.
    #[cfg_attr(not(feature = "elasticsearch"), allow(dead_code))]
    Items(Vec<Item>),
    /// Send them all again later.
    Retry {
        failure: Failure,
        retry_after: Option<Duration>,
        message: String,
    },
    /// Refused as a whole: split, and dead-letter a record refused alone.
    Refused { failure: Failure, message: String },
    /// Keep them and stop sending for a while: credentials or settings are wrong.
    Hold { failure: Failure, message: String },
    /// Accepted; stored once the receiver acknowledges `ack_id`.
    #[cfg_attr(not(feature = "splunk-hec"), allow(dead_code))]
    AwaitAck { ack_id: u64, polling: AckPolling },
}

/// The fate of one record in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "elasticsearch"), allow(dead_code))]
pub(crate) enum Item {
    Stored,
    Retry,
    DeadLetter { error_type: String, reason: String },
}

/// The verdict on any answer but a 2xx, which only the sink can read.
pub(crate) fn of_status(response: &Response) -> Option<Verdict> {
    let status = response.status;
    let message = || format!("HTTP {status}: {}", response.excerpt());
    let verdict = match status {
        200..=299 => return None,
        401 | 403 => Verdict::Hold {
            failure: Failure::Auth,
            message: message(),
        },
        404 | 405 | 501 => Verdict::Hold {
            failure: Failure::Misconfigured,
            message: message(),
        },
        408 | 429 => Verdict::Retry {
            failure: Failure::Throttled,
            retry_after: response.retry_after,
            message: message(),
        },
        413 => Verdict::Refused {
            failure: Failure::TooLarge,
            message: message(),
        },
        500..=599 => Verdict::Retry {
            failure: Failure::ServerError,
            retry_after: response.retry_after,
            message: message(),
        },
        _ => Verdict::Refused {
            failure: Failure::Rejected,
            message: message(),
        },
    };
    Some(verdict)
}

/// The verdict when no answer came.
pub(crate) fn of_transport(error: TransportError) -> Verdict {
    match error.kind {
        TransportFailure::Invalid => Verdict::Hold {
            failure: Failure::Misconfigured,
            message: error.message,
        },
        TransportFailure::Timeout => Verdict::Retry {
            failure: Failure::Timeout,
            retry_after: None,
            message: error.message,
        },
        TransportFailure::Connection => Verdict::Retry {
            failure: Failure::Connection,
            retry_after: None,
            message: error.message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Option<Verdict> {
        of_status(&Response {
            status,
            retry_after: Some(Duration::from_secs(3)),
            body: b"{}".to_vec(),
        })
    }

    #[test]
    fn every_status_has_its_rule() {
        assert!(status(200).is_none() && status(202).is_none());
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(
                    status(code),
                    Some(Verdict::Retry {
                        retry_after: Some(_),
                        ..
                    })
                ),
                "{code}"
            );
        }
        for code in [401, 403] {
            assert!(matches!(
                status(code),
                Some(Verdict::Hold {
                    failure: Failure::Auth,
                    ..
                })
            ));
        }
        for code in [404, 405, 501] {
            assert!(matches!(
                status(code),
                Some(Verdict::Hold {
                    failure: Failure::Misconfigured,
                    ..
                })
            ));
        }
        assert!(matches!(
            status(413),
            Some(Verdict::Refused {
                failure: Failure::TooLarge,
                ..
            })
        ));
        for code in [400, 409, 422] {
            assert!(matches!(
                status(code),
                Some(Verdict::Refused {
                    failure: Failure::Rejected,
                    ..
                })
            ));
        }
    }
}
