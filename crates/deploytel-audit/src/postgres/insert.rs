//! One batch of records as one multi-row INSERT, in one transaction.

use postgres::types::ToSql;
use postgres::Client;

use crate::error::AuditError;
use crate::journal::{hex, StoredRecord};
use crate::query::RecordView;
use crate::time::format_rfc3339;

/// The columns written from a parameter each, and the SQL type the parameter is cast to.
const COLUMNS: [(&str, &str); 15] = [
    ("seq", "bigint"),
    ("event_id", "text::uuid"),
    ("occurred_at", "text::timestamptz"),
    ("actor", "text"),
    ("acting_for", "text"),
    ("action", "text"),
    ("target_kind", "text"),
    ("target_id", "text"),
    ("environment", "text"),
    ("decision", "text"),
    ("outcome", "text"),
    ("run_id", "text"),
    ("prev_hash", "text"),
    ("hash", "text"),
    ("doc_raw", "text"),
];

/// `doc` is the jsonb of the same text as `doc_raw`: one parameter serves both.
const DOC_FROM_RAW: &str = "doc";

struct Row {
    seq: i64,
    text: [Option<String>; 14],
}

pub(crate) fn insert_batch(client: &mut Client, batch: &[StoredRecord]) -> Result<(), AuditError> {
    let rows = batch.iter().map(row).collect::<Result<Vec<_>, _>>()?;
    let mut sql = format!(
        "INSERT INTO deploytel_audit_events ({}, {DOC_FROM_RAW}) VALUES ",
        COLUMNS.map(|(name, _)| name).join(", ")
    );
    let mut parameters: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(rows.len() * COLUMNS.len());
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        let placeholders: Vec<String> = COLUMNS
            .iter()
            .enumerate()
            .map(|(c, (_, ty))| format!("${}::{ty}", r * COLUMNS.len() + c + 1))
            .collect();
        let doc_raw = (r + 1) * COLUMNS.len();
        sql.push_str(&format!(
            "({}, ${doc_raw}::text::jsonb)",
            placeholders.join(", ")
        ));
        parameters.push(&row.seq);
        for value in &row.text {
            parameters.push(value);
        }
    }
    sql.push_str(" ON CONFLICT (event_id) DO NOTHING");
    let failed = |operation| move |source| AuditError::Postgres { operation, source };
    let mut transaction = client.transaction().map_err(failed("begin a batch"))?;
    transaction
        .execute(sql.as_str(), &parameters)
        .map_err(failed("insert a batch"))?;
    transaction.commit().map_err(failed("commit a batch"))
}

fn row(record: &StoredRecord) -> Result<Row, AuditError> {
    let view = RecordView::from_document(record.seq, &record.doc).map_err(|problem| {
        AuditError::Corrupt {
            path: "journal".into(),
            line: record.seq,
            problem,
        }
    })?;
    let (target_kind, target_id) = match view.target.as_deref().and_then(|t| t.split_once(' ')) {
        Some((kind, id)) => (Some(kind.to_owned()), Some(id.to_owned())),
        None => (None, None),
    };
    Ok(Row {
        seq: i64::try_from(record.seq).unwrap_or(i64::MAX),
        text: [
            Some(view.id),
            Some(format_rfc3339(view.timestamp_ms)),
            Some(view.actor),
            view.acting_for,
            Some(view.action),
            target_kind,
            target_id,
            view.environment,
            view.decision,
            Some(view.outcome),
            view.run_id,
            Some(hex(&record.prev)),
            Some(hex(&record.hash)),
            Some(record.doc.clone()),
        ],
    })
}
