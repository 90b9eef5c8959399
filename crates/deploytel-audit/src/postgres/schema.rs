//! The migrations that ship with the crate, applied in order, each once, under an advisory
//! lock so that two sinks starting together do not both apply one.

use postgres::Client;

use crate::error::AuditError;

/// `(version, SQL)` of every migration, oldest first.
pub(crate) const MIGRATIONS: &[(i32, &str)] =
    &[(1, include_str!("../../migrations/0001_audit_events.sql"))];

/// An arbitrary, fixed advisory-lock key for migrations.
const LOCK_KEY: i64 = 0x6465_706c_6f79_7431; // "deploytl1"

/// Applies the migrations the database has not seen yet; returns how many were applied.
pub(crate) fn migrate(client: &mut Client) -> Result<usize, AuditError> {
    let failed = |operation| move |source| AuditError::Postgres { operation, source };
    let mut transaction = client.transaction().map_err(failed("begin migration"))?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .map_err(failed("lock for migration"))?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS deploytel_audit_migrations (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .map_err(failed("create the migrations table"))?;
    let applied = transaction
        .query("SELECT version FROM deploytel_audit_migrations", &[])
        .map_err(failed("read applied migrations"))?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<Vec<i32>, _>>()
        .map_err(failed("read applied migrations"))?;
    let mut count = 0;
    for (version, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        transaction
            .batch_execute(sql)
            .map_err(failed("apply a migration"))?;
        transaction
            .execute(
                "INSERT INTO deploytel_audit_migrations (version) VALUES ($1)",
                &[version],
            )
            .map_err(failed("record a migration"))?;
        count += 1;
    }
    transaction.commit().map_err(failed("commit migrations"))?;
    Ok(count)
}
