//! A Splunk HTTP Event Collector on loopback, following the documented contract: stacked
//! event envelopes on `/services/collector/event` with `Authorization: Splunk <token>`, the
//! HEC `code` table in answers, and, with indexer acknowledgement on, an `ackId` per request
//! on the sender's channel, polled on `/services/collector/ack`. HEC does not deduplicate:
//! every envelope received is kept, duplicates included.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::scripted::{status_reply, Script, Scripted};
use super::server::{Received, Reply};
use super::Answer;

#[derive(Debug, Default)]
struct State {
    token: String,
    acknowledgement: bool,
    /// Envelopes indexed, in order.
    indexed: Vec<Value>,
    requests: usize,
    violations: Vec<String>,
    next_ack: HashMap<String, u64>,
    /// Acknowledged requests' envelopes wait here until indexed, per (channel, ack id).
    unacknowledged: HashMap<(String, u64), (Vec<Value>, u32)>,
    /// Polls answered `false` before a request is acknowledged.
    polls_before_ack: u32,
    /// The next request accepted is lost before indexing: never acknowledged.
    lose_next: bool,
}

/// The fake collector.
pub struct SplunkHecFake(Scripted<State>);

impl super::Receiver for SplunkHecFake {
    fn controls(&self) -> &dyn super::Controls {
        &self.0
    }
}

impl SplunkHecFake {
    /// Starts it with the HEC `token`, and indexer acknowledgement on or off.
    pub fn start(token: &str, acknowledgement: bool) -> std::io::Result<Self> {
        let state = State {
            token: token.to_owned(),
            acknowledgement,
            ..State::default()
        };
        Scripted::start(state, answer).map(SplunkHecFake)
    }

    /// Each accepted request is acknowledged only after this many polls said `false`.
    pub fn polls_before_ack(&self, polls: u32) {
        self.0.with(|state| state.polls_before_ack = polls);
    }

    /// Loses the next accepted request before it is indexed: its ack never comes.
    pub fn lose_next_request(&self) {
        self.0.with(|state| state.lose_next = true);
    }

    /// How many envelopes are indexed, duplicates included.
    pub fn indexed_count(&self) -> usize {
        self.0.with(|state| state.indexed.len())
    }

    /// The envelopes indexed, in order, duplicates included.
    pub fn indexed(&self) -> Vec<Value> {
        self.0.with(|state| state.indexed.clone())
    }

    /// The `event.id` of each indexed envelope, in order.
    pub fn indexed_ids(&self) -> Vec<String> {
        self.indexed()
            .iter()
            .map(|envelope| {
                envelope["event"]["event"]["id"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    }

    /// Event requests received.
    pub fn requests(&self) -> usize {
        self.0.with(|state| state.requests)
    }

    /// How requests broke the HEC contract.
    pub fn violations(&self) -> Vec<String> {
        self.0.with(|state| state.violations.clone())
    }
}

fn hec_body(code: u32, text: &str) -> String {
    json!({ "text": text, "code": code }).to_string()
}

fn hec(status: u16, code: u32, text: &str) -> Reply {
    Reply::status(status, hec_body(code, text))
}

fn answer(script: &mut Script, state: &mut State, request: Received) -> Reply {
    match request.header("authorization") {
        None => return hec(401, 2, "Token is required"),
        Some(value) if value != format!("Splunk {}", state.token) => {
            return hec(403, 4, "Invalid token")
        }
        Some(_) => {}
    }
    let channel = request
        .header("x-splunk-request-channel")
        .map(str::to_owned);
    if state.acknowledgement && channel.is_none() {
        state
            .violations
            .push("no X-Splunk-Request-Channel with acknowledgement on".into());
        return hec(400, 10, "Data channel is missing");
    }
    match request.path.as_str() {
        "/services/collector/ack" => ack(state, &request, channel.unwrap_or_default()),
        "/services/collector/event" => event(script, state, &request, channel.unwrap_or_default()),
        other => {
            state.violations.push(format!("request to {other}"));
            Reply::status(404, "{}")
        }
    }
}

fn event(script: &mut Script, state: &mut State, request: &Received, channel: String) -> Reply {
    state.requests += 1;
    if request.method != "POST" || request.header("content-encoding") != Some("gzip") {
        state.violations.push("not a gzipped POST".into());
        return hec(400, 6, "Invalid data format");
    }
    match script.next() {
        Answer::Reset => return Reply::Reset,
        Answer::Hold => return Reply::Hold,
        Answer::Status(status, retry_after) => {
            let (code, text) = match status {
                400 => (6, "Invalid data format"),
                401 => (3, "Invalid authorization"),
                403 => (1, "Token disabled"),
                500 => (8, "Internal server error"),
                503 => (9, "Server is busy"),
                _ => (8, "Scripted"),
            };
            return status_reply(status, retry_after, hec_body(code, text));
        }
        Answer::Normal | Answer::Items(_) => {}
    }
    let mut envelopes = Vec::new();
    for (number, envelope) in serde_json::Deserializer::from_slice(&request.body)
        .into_iter::<Value>()
        .enumerate()
    {
        let Ok(envelope) = envelope else {
            state
                .violations
                .push(format!("envelope {number} is not JSON"));
            return hec(400, 6, "Invalid data format");
        };
        if envelope.get("event").is_none_or(Value::is_null) {
            state
                .violations
                .push(format!("envelope {number} has no event"));
            return Reply::status(400, json!({"text": "Event field is required", "code": 12, "invalid-event-number": number}).to_string());
        }
        if !envelope["time"].is_number() {
            state
                .violations
                .push(format!("envelope {number} has no time in the envelope"));
        }
        envelopes.push(envelope);
    }
    if !state.acknowledgement {
        state.indexed.extend(envelopes);
        return hec(200, 0, "Success");
    }
    let next = state.next_ack.entry(channel.clone()).or_insert(0);
    let ack_id = *next;
    *next += 1;
    if std::mem::take(&mut state.lose_next) {
        // Accepted, then lost before indexing: the ack never turns true.
        state
            .unacknowledged
            .insert((channel, ack_id), (Vec::new(), u32::MAX));
    } else {
        let polls = state.polls_before_ack;
        state
            .unacknowledged
            .insert((channel, ack_id), (envelopes, polls));
    }
    Reply::status(
        200,
        json!({"text": "Success", "code": 0, "ackId": ack_id}).to_string(),
    )
}

fn ack(state: &mut State, request: &Received, channel: String) -> Reply {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let Some(ids) = body["acks"].as_array() else {
        state.violations.push("an ack request without acks".into());
        return hec(400, 6, "Invalid data format");
    };
    let mut acks = serde_json::Map::new();
    for id in ids.iter().filter_map(Value::as_u64) {
        let key = (channel.clone(), id);
        let done = match state.unacknowledged.get_mut(&key) {
            Some((_, polls)) if *polls == u32::MAX => false,
            Some((_, polls)) if *polls > 0 => {
                *polls -= 1;
                false
            }
            Some(_) => {
                if let Some((envelopes, _)) = state.unacknowledged.remove(&key) {
                    state.indexed.extend(envelopes);
                }
                true
            }
            // Acknowledged before, or never sent.
            None => false,
        };
        acks.insert(id.to_string(), Value::Bool(done));
    }
    Reply::status(200, json!({ "acks": acks }).to_string())
}
