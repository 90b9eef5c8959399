//! Datadog's Logs intake v2 on loopback, following the documented contract: `POST
//! /api/v2/logs` with `DD-API-KEY`, a JSON array of at most 1,000 entries and 5,000,000
//! bytes (413 above), entries over 1 MB cut, 202 on success. Datadog does not deduplicate.

use serde_json::{json, Value};

use super::scripted::{status_reply, Script, Scripted};
use super::server::{Received, Reply};
use super::Answer;

#[derive(Debug, Default)]
struct State {
    api_key: String,
    entries: Vec<Value>,
    requests: usize,
    violations: Vec<String>,
}

/// The fake intake.
pub struct DatadogFake(Scripted<State>);

impl super::Receiver for DatadogFake {
    fn controls(&self) -> &dyn super::Controls {
        &self.0
    }
}

impl DatadogFake {
    /// Starts it, accepting `api_key`.
    pub fn start(api_key: &str) -> std::io::Result<Self> {
        let state = State {
            api_key: api_key.to_owned(),
            ..State::default()
        };
        Scripted::start(state, answer).map(DatadogFake)
    }

    /// How many entries were received, duplicates included.
    pub fn entry_count(&self) -> usize {
        self.0.with(|state| state.entries.len())
    }

    /// The log entries received, in order, duplicates included.
    pub fn entries(&self) -> Vec<Value> {
        self.0.with(|state| state.entries.clone())
    }

    /// The `event.id` of each entry, in order.
    pub fn entry_ids(&self) -> Vec<String> {
        self.entries()
            .iter()
            .map(|entry| entry["event"]["id"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// Requests received.
    pub fn requests(&self) -> usize {
        self.0.with(|state| state.requests)
    }

    /// How requests broke the intake's contract.
    pub fn violations(&self) -> Vec<String> {
        self.0.with(|state| state.violations.clone())
    }
}

fn error_body(status: u16, message: &str) -> String {
    json!({ "errors": [{ "status": status.to_string(), "title": message }] }).to_string()
}

fn error(status: u16, message: &str) -> Reply {
    Reply::status(status, error_body(status, message))
}

fn answer(script: &mut Script, state: &mut State, request: Received) -> Reply {
    state.requests += 1;
    if request.method != "POST" || request.path != "/api/v2/logs" {
        state
            .violations
            .push(format!("{} {}", request.method, request.path));
        return error(404, "Not found");
    }
    match request.header("dd-api-key") {
        None => return error(401, "Unauthorized"),
        Some(key) if key != state.api_key => return error(403, "Forbidden"),
        Some(_) => {}
    }
    if request.header("content-encoding") != Some("gzip")
        || request.header("content-type") != Some("application/json")
    {
        state.violations.push("not gzipped JSON".into());
        return error(400, "Bad request");
    }
    match script.next() {
        Answer::Reset => return Reply::Reset,
        Answer::Hold => return Reply::Hold,
        Answer::Status(status, retry_after) => {
            return status_reply(status, retry_after, error_body(status, "Scripted"))
        }
        Answer::Normal | Answer::Items(_) => {}
    }
    if request.body.len() > 5_000_000 {
        state
            .violations
            .push(format!("a payload of {} bytes", request.body.len()));
        return error(413, "Payload too large");
    }
    let Ok(Value::Array(entries)) = serde_json::from_slice::<Value>(&request.body) else {
        state
            .violations
            .push("the payload is not a JSON array".into());
        return error(400, "Bad request");
    };
    if entries.len() > 1_000 {
        state
            .violations
            .push(format!("{} entries in one payload", entries.len()));
        return error(400, "Bad request");
    }
    for entry in entries {
        if entry.to_string().len() > 1_000_000 {
            state
                .violations
                .push("an entry over 1 MB (Datadog cuts it)".into());
        }
        for reserved in ["ddsource", "service", "hostname", "message"] {
            if !entry[reserved].is_string() {
                state
                    .violations
                    .push(format!("an entry without {reserved}"));
            }
        }
        state.entries.push(entry);
    }
    Reply::status(202, "{}")
}
