//! Reading the table back: filtered records for `query --postgres`, and the stored hashes
//! as anchors for `verify --postgres`.

use postgres::types::ToSql;
use postgres::{Client, NoTls};

use crate::error::AuditError;
use crate::journal::parse_hash;
use crate::query::{Filter, RecordView};
use crate::time::format_rfc3339;
use crate::verify::Anchor;

fn connect(url: &str) -> Result<Client, AuditError> {
    Client::connect(url, NoTls).map_err(|source| AuditError::Postgres {
        operation: "connect",
        source,
    })
}

/// The records in the table at `url` that pass `filter`, with their documents, in order.
pub fn query(url: &str, filter: &Filter) -> Result<Vec<(RecordView, String)>, AuditError> {
    let mut client = connect(url)?;
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut add = |condition: &str, value: String| {
        values.push(value);
        conditions.push(condition.replace('?', &format!("${}", values.len())));
    };
    if let Some(actor) = &filter.actor {
        add("(actor = ? OR acting_for = ?)", actor.clone());
    }
    if let Some(action) = &filter.action {
        if action.ends_with('.') {
            add("starts_with(action, ?)", action.clone());
        } else {
            add("action = ?", action.clone());
        }
    }
    if let Some(target) = &filter.target {
        add(
            "(target_id = ? OR target_kind || ' ' || target_id = ?)",
            target.clone(),
        );
    }
    for (column, value) in [
        ("environment", &filter.environment),
        ("outcome", &filter.outcome),
        ("decision", &filter.decision),
    ] {
        if let Some(value) = value {
            add(&format!("{column} = ?"), value.clone());
        }
    }
    if let Some(change) = &filter.change {
        add(
            "(run_id = ? OR doc #>> '{deploytel,audit,change_id}' = ?)",
            change.clone(),
        );
    }
    if let Some(since) = filter.since_ms {
        add("occurred_at >= ?::text::timestamptz", format_rfc3339(since));
    }
    if let Some(until) = filter.until_ms {
        add("occurred_at < ?::text::timestamptz", format_rfc3339(until));
    }
    let mut sql = String::from("SELECT seq, doc_raw FROM deploytel_audit_events");
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(" ORDER BY seq");
    let parameters: Vec<&(dyn ToSql + Sync)> =
        values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
    let rows = client
        .query(sql.as_str(), &parameters)
        .map_err(|source| AuditError::Postgres {
            operation: "query",
            source,
        })?;
    rows.iter()
        .map(|row| {
            let (seq, doc): (i64, String) = columns(row, "query")?;
            let seq = u64::try_from(seq).unwrap_or_default();
            let view =
                RecordView::from_document(seq, &doc).map_err(|problem| AuditError::Corrupt {
                    path: "deploytel_audit_events".into(),
                    line: seq,
                    problem,
                })?;
            Ok((view, doc))
        })
        .collect()
}

/// Every `(seq, hash)` the table holds: a copy of the chain outside the journal, for
/// `verify` to hold the journal against.
pub fn anchors(url: &str) -> Result<Vec<Anchor>, AuditError> {
    let mut client = connect(url)?;
    let rows = client
        .query(
            "SELECT seq, hash FROM deploytel_audit_events ORDER BY seq",
            &[],
        )
        .map_err(|source| AuditError::Postgres {
            operation: "read the stored hashes",
            source,
        })?;
    rows.iter()
        .map(|row| {
            let (seq, hash): (i64, String) = columns(row, "read the stored hashes")?;
            let hash = parse_hash(hash.as_bytes()).ok_or_else(|| AuditError::Corrupt {
                path: "deploytel_audit_events".into(),
                line: u64::try_from(seq).unwrap_or_default(),
                problem: "the stored hash is not 64 hex digits".into(),
            })?;
            Ok(Anchor {
                seq: u64::try_from(seq).unwrap_or_default(),
                hash,
            })
        })
        .collect()
}

/// The first two columns of `row`, or the error the client gives for a type that differs.
fn columns<A, B>(row: &postgres::Row, operation: &'static str) -> Result<(A, B), AuditError>
where
    A: for<'a> postgres::types::FromSql<'a>,
    B: for<'a> postgres::types::FromSql<'a>,
{
    let failed = |source| AuditError::Postgres { operation, source };
    Ok((
        row.try_get(0).map_err(failed)?,
        row.try_get(1).map_err(failed)?,
    ))
}
