//! An Elasticsearch `_bulk` receiver on loopback, following the documented contract: NDJSON
//! with a trailing newline, `create` actions whose `_id` makes a second copy a 409, and a
//! 200 answer with `errors` and one item per action, in order. Tests script what it answers.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::scripted::{status_reply, Script, Scripted};
use super::server::{Received, Reply};
use super::Answer;

#[derive(Debug, Default)]
struct State {
    stored: Vec<(String, Value)>,
    ids: HashSet<String>,
    requests: usize,
    /// Requests that broke the wire contract, and how.
    violations: Vec<String>,
    api_key: Option<String>,
    largest_request: usize,
}

/// The fake cluster.
pub struct ElasticsearchFake(Scripted<State>);

impl super::Receiver for ElasticsearchFake {
    fn controls(&self) -> &dyn super::Controls {
        &self.0
    }
}

impl ElasticsearchFake {
    /// Starts it; with `api_key`, requests without `Authorization: ApiKey <key>` get 401.
    pub fn start(api_key: Option<&str>) -> std::io::Result<Self> {
        let state = State {
            api_key: api_key.map(str::to_owned),
            ..State::default()
        };
        Scripted::start(state, answer).map(ElasticsearchFake)
    }

    /// As [`start`](Self::start), over TLS with `cert` and `key` (see [`super::tls`]).
    #[cfg(feature = "siem-tls")]
    pub fn start_tls(api_key: Option<&str>, cert: &[u8], key: &[u8]) -> std::io::Result<Self> {
        let state = State {
            api_key: api_key.map(str::to_owned),
            ..State::default()
        };
        Scripted::start_with(Some(super::tls::acceptor(cert, key)?), state, answer)
            .map(ElasticsearchFake)
    }

    /// The `_id`s stored, in the order they were stored.
    pub fn stored_ids(&self) -> Vec<String> {
        self.0
            .with(|state| state.stored.iter().map(|(id, _)| id.clone()).collect())
    }

    /// How many documents are stored.
    pub fn stored_count(&self) -> usize {
        self.0.with(|state| state.stored.len())
    }

    /// The documents stored, in order.
    pub fn stored_docs(&self) -> Vec<Value> {
        self.0
            .with(|state| state.stored.iter().map(|(_, doc)| doc.clone()).collect())
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.0.with(|state| state.requests)
    }

    /// The largest request body, gunzipped.
    pub fn largest_request(&self) -> usize {
        self.0.with(|state| state.largest_request)
    }

    /// How requests broke the `_bulk` contract (none, when the client behaves).
    pub fn violations(&self) -> Vec<String> {
        self.0.with(|state| state.violations.clone())
    }
}

fn answer(script: &mut Script, state: &mut State, request: Received) -> Reply {
    state.requests += 1;
    state.largest_request = state.largest_request.max(request.body.len());
    if let Some(problem) = contract_problem(&request, state.api_key.as_deref()) {
        let status = if problem.starts_with("auth") {
            401
        } else {
            400
        };
        if status == 400 {
            state.violations.push(problem.clone());
        }
        return Reply::status(status, json!({"error": {"type": "illegal_argument_exception", "reason": problem}, "status": status}).to_string());
    }
    match script.next() {
        Answer::Reset => Reply::Reset,
        Answer::Hold => Reply::Hold,
        Answer::Status(status, retry_after) => status_reply(
            status,
            retry_after,
            json!({"error": {"type": "scripted", "reason": "scripted answer"}, "status": status})
                .to_string(),
        ),
        Answer::Normal => bulk(state, &request, &[]),
        Answer::Items(statuses) => bulk(state, &request, &statuses),
    }
}

/// What is wrong with the request as a `_bulk` call, if anything.
fn contract_problem(request: &Received, api_key: Option<&str>) -> Option<String> {
    if request.method != "POST" || !request.path.ends_with("/_bulk") {
        return Some(format!(
            "{} {} is not a bulk request",
            request.method, request.path
        ));
    }
    if let Some(key) = api_key {
        if request.header("authorization") != Some(&format!("ApiKey {key}")) {
            return Some("auth: missing or wrong API key".into());
        }
    }
    if request.header("content-type") != Some("application/x-ndjson") {
        return Some(format!("content-type {:?}", request.header("content-type")));
    }
    if request.header("content-encoding") != Some("gzip") {
        return Some("body not gzipped".into());
    }
    if request.body.last() != Some(&b'\n') {
        return Some("NDJSON without its final newline".into());
    }
    None
}

fn bulk(state: &mut State, request: &Received, statuses: &[u16]) -> Reply {
    let text = String::from_utf8_lossy(&request.body);
    let lines: Vec<&str> = text.lines().collect();
    if !lines.len().is_multiple_of(2) {
        state
            .violations
            .push("an action without its document".into());
        return Reply::status(400, "{}");
    }
    let mut items = Vec::new();
    let mut errors = false;
    for (index, pair) in lines.chunks(2).enumerate() {
        let (Ok(action), Ok(doc)) = (
            serde_json::from_str::<Value>(pair[0]),
            serde_json::from_str::<Value>(pair[1]),
        ) else {
            state
                .violations
                .push(format!("line {} is not JSON", index * 2 + 1));
            return Reply::status(400, "{}");
        };
        let Some(id) = action["create"]["_id"].as_str().map(str::to_owned) else {
            state.violations.push(format!(
                "action {index} is not a create with an _id: {action}"
            ));
            return Reply::status(400, "{}");
        };
        let index_name = action["create"]["_index"].clone();
        let status = statuses.get(index).copied().unwrap_or(201);
        let item = match status {
            201 if state.ids.contains(&id) => {
                errors = true;
                json!({"_index": index_name, "_id": id, "status": 409, "error": {"type": "version_conflict_engine_exception", "reason": format!("[{id}]: version conflict, document already exists")}})
            }
            201 => {
                state.ids.insert(id.clone());
                state.stored.push((id.clone(), doc));
                json!({"_index": index_name, "_id": id, "status": 201, "result": "created"})
            }
            other => {
                errors = true;
                let kind = match other {
                    429 => "es_rejected_execution_exception",
                    400 => "mapper_parsing_exception",
                    409 => "version_conflict_engine_exception",
                    _ => "unavailable_shards_exception",
                };
                json!({"_index": index_name, "_id": id, "status": other, "error": {"type": kind, "reason": format!("scripted {kind}")}})
            }
        };
        items.push(json!({ "create": item }));
    }
    Reply::status(
        200,
        json!({"took": 1, "errors": errors, "items": items}).to_string(),
    )
}
