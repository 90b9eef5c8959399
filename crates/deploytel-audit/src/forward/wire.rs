//! What each receiver's module provides to the shared delivery loop: its name, its request
//! limits, how to write a request and how to read a successful answer.

use std::time::Duration;

use serde_json::Value;

use super::http::{Request, Response};
use super::pending::Pending;
use super::verdict::Verdict;

/// Bounds of one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_records: usize,
    /// Of the uncompressed body.
    pub(crate) max_bytes: usize,
    /// A record larger than this alone goes to the dead letter unsent.
    pub(crate) max_record_bytes: Option<usize>,
}

/// How a receiver's acknowledgements are polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AckPolling {
    pub(crate) every: Duration,
    /// Polls without an acknowledgement before the batch is sent again.
    pub(crate) polls: u32,
}

pub(crate) trait Wire: Send + std::fmt::Debug {
    /// The cursor's name and the `sink` label.
    fn name(&self) -> &str;
    /// The receiver's base URL.
    fn url(&self) -> &str;
    fn limits(&self) -> Limits;
    /// The record as a request carries it (an action and document line pair, an envelope, an
    /// array entry); made once per record, when it is read from the journal.
    fn encode(&self, record: &Pending, document: &Value) -> Vec<u8>;
    /// How many body bytes the record adds to a request.
    fn size(&self, record: &Pending) -> usize {
        record.encoded.len()
    }
    /// A request carrying the `encoded` records.
    fn request(&self, records: &[&Pending]) -> Request;
    /// The verdict on a 2xx answer to `request(records)`.
    fn read_success(&self, response: &Response, records: &[&Pending]) -> Verdict;

    /// The request asking whether the batch `ack_id` is stored, for receivers that
    /// acknowledge later.
    fn ack_request(&self, _ack_id: u64) -> Option<Request> {
        None
    }

    /// Whether the answer to `ack_request(ack_id)` says it is stored; `None` when the
    /// answer says nothing (ask again).
    fn read_ack(&self, _response: &Response, _ack_id: u64) -> Option<bool> {
        None
    }

    /// How old a record's time may be for the receiver to take it, if it has a limit.
    fn past_limit(&self) -> Option<Duration> {
        None
    }
}
