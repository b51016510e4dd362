//! Moving up: every row of a SQLite database copied into an empty
//! PostgreSQL one (`secondheart migrate-store`).
//!
//! Both ends are first migrated to the newest schema this build knows, so
//! the tables and columns match by name. The copy reads one snapshot of the
//! source (one read transaction) and writes the target in one transaction
//! with `COPY`: either everything arrives, with every table's row count
//! checked against the source's, or nothing does. Ids keep their values, and
//! PostgreSQL's identity sequences are moved past every id SQLite ever gave
//! (also deleted rows'), so the next row gets a new id. The day and member sums of check-ins are not copied: the
//! target's triggers rebuild them from the check-ins as they arrive, and
//! their counts are then checked like the others.

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, Connection, Row};

use super::{postgres, sqlite, StoreError, StoreOptions};

/// The tables copied, in an order that inserts a row after the rows it
/// points at.
const TABLES: [&str; 18] = [
    "servers",
    "schedules",
    "occurrences",
    "checkins",
    "prompt_answers",
    "members",
    "audit_log",
    "bot_state",
    "snoozes",
    "checkin_day_totals",
    "departed_servers",
    "vacations",
    "team_goals",
    "celebrations",
    "milestone_roles",
    "role_grants",
    // Kept by triggers on `checkins`: compared, not copied.
    "checkin_days",
    "checkin_members",
];

/// Tables the target's triggers fill from other tables.
const DERIVED: [&str; 2] = ["checkin_days", "checkin_members"];

/// How many rows to send in one piece of a `COPY`.
const COPY_CHUNK_ROWS: usize = 5_000;

/// What a copy moved: rows per table, in copy order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySummary {
    pub tables: Vec<(&'static str, u64)>,
}

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("--from must be a sqlite:// URL")]
    SourceNotSqlite,
    #[error("--to must be a postgres:// URL")]
    TargetNotPostgres,
    #[error("the target database is not empty ({table} has {rows} rows); copy into a new, empty database")]
    TargetNotEmpty { table: &'static str, rows: i64 },
    #[error("{table}: {source_rows} rows in the source but {target_rows} in the target; nothing was copied")]
    CountMismatch {
        table: &'static str,
        source_rows: i64,
        target_rows: i64,
    },
    #[error("{table}.{column} has a type the copy does not know ({kind})")]
    UnknownType {
        table: &'static str,
        column: String,
        kind: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CopyError {
    fn from(error: sqlx::Error) -> Self {
        CopyError::Store(error.into())
    }
}

/// Copies every row of the SQLite database `from` into the empty
/// PostgreSQL database `to` (both migrated first).
pub async fn copy_sqlite_to_postgres(
    from: &StoreOptions,
    to: &StoreOptions,
) -> Result<CopySummary, CopyError> {
    if from.kind()? != super::BackendKind::Sqlite {
        return Err(CopyError::SourceNotSqlite);
    }
    if to.kind()? != super::BackendKind::Postgres {
        return Err(CopyError::TargetNotPostgres);
    }
    // Opening migrates both to this build's schema.
    let source = sqlite::SqliteStore::open(from).await?;
    let target = postgres::PostgresStore::open(to).await?;
    let copied = copy(&source.readers, target.pool()).await;
    source.close().await;
    target.close().await;
    copied
}

async fn copy(source: &SqlitePool, target: &PgPool) -> Result<CopySummary, CopyError> {
    for table in TABLES {
        let rows = count_pg(target, table).await?;
        if rows > 0 {
            return Err(CopyError::TargetNotEmpty { table, rows });
        }
    }
    let mut reader = source.acquire().await?;
    // One snapshot of the source for every table.
    let mut snapshot = reader.begin().await?;
    let mut writer = target.acquire().await?;
    let mut tx = writer.begin().await?;
    let mut summary = CopySummary { tables: Vec::new() };
    for table in TABLES {
        let columns = target_columns(&mut tx, table).await?;
        if !DERIVED.contains(&table) {
            copy_table(&mut snapshot, &mut tx, table, &columns).await?;
        }
        let source_rows: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut *snapshot)
                .await?;
        let target_rows: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await?;
        if source_rows != target_rows {
            return Err(CopyError::CountMismatch {
                table,
                source_rows,
                target_rows,
            });
        }
        if columns.iter().any(|(name, _)| name == "id") {
            // The next id is past every id SQLite ever gave (AUTOINCREMENT
            // remembers deleted ones: an old button never names a new
            // row), and past every copied one.
            let given: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = ?",
            )
            .bind(table)
            .fetch_one(&mut *snapshot)
            .await?;
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST($1, COALESCE((SELECT MAX(id) FROM {table}), 0)) + 1, false)"
            )))
            .bind(given)
            .execute(&mut *tx)
            .await?;
        }
        summary.tables.push((table, source_rows as u64));
    }
    tx.commit().await?;
    snapshot.rollback().await?;
    // The planner's statistics and the visibility map now, not when
    // autovacuum comes round: until a table is vacuumed, the index-only
    // scans the boards use read every row from the table as well, and the
    // first boards after a move take several times as long.
    sqlx::raw_sql("VACUUM (ANALYZE)").execute(target).await?;
    Ok(summary)
}

async fn count_pg(target: &PgPool, table: &str) -> Result<i64, CopyError> {
    Ok(
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(target)
            .await?,
    )
}

/// A column's kind on both ends: the schemas keep to these two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Text,
}

/// The target table's columns, in order, with their kinds.
async fn target_columns(
    tx: &mut sqlx::PgConnection,
    table: &'static str,
) -> Result<Vec<(String, Kind)>, CopyError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter()
        .map(|(column, kind)| {
            let parsed = match kind.as_str() {
                "bigint" => Kind::Integer,
                "text" => Kind::Text,
                _ => {
                    return Err(CopyError::UnknownType {
                        table,
                        column,
                        kind,
                    })
                }
            };
            Ok((column, parsed))
        })
        .collect()
}

/// Streams one table from the source's snapshot into the target with
/// `COPY ... FROM STDIN` (text format), a chunk of rows at a time.
async fn copy_table(
    snapshot: &mut sqlx::SqliteConnection,
    tx: &mut sqlx::PgConnection,
    table: &str,
    columns: &[(String, Kind)],
) -> Result<(), CopyError> {
    use futures_util::TryStreamExt;

    let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let list = names.join(", ");
    let mut copy_in = tx
        .copy_in_raw(&format!("COPY {table} ({list}) FROM STDIN"))
        .await?;
    let select = format!("SELECT {list} FROM {table} ORDER BY rowid");
    let mut rows = sqlx::query(AssertSqlSafe(select)).fetch(&mut *snapshot);
    let mut chunk = String::new();
    let mut in_chunk = 0;
    let sent = async {
        while let Some(row) = rows.try_next().await? {
            for (i, (_, kind)) in columns.iter().enumerate() {
                if i > 0 {
                    chunk.push('\t');
                }
                match kind {
                    Kind::Integer => match row.try_get::<Option<i64>, _>(i)? {
                        Some(value) => chunk.push_str(&value.to_string()),
                        None => chunk.push_str("\\N"),
                    },
                    Kind::Text => match row.try_get::<Option<String>, _>(i)? {
                        Some(value) => push_escaped(&mut chunk, &value),
                        None => chunk.push_str("\\N"),
                    },
                }
            }
            chunk.push('\n');
            in_chunk += 1;
            if in_chunk == COPY_CHUNK_ROWS {
                copy_in
                    .send(std::mem::take(&mut chunk).into_bytes())
                    .await?;
                in_chunk = 0;
            }
        }
        if !chunk.is_empty() {
            copy_in.send(chunk.into_bytes()).await?;
        }
        Ok::<_, sqlx::Error>(())
    }
    .await;
    match sent {
        Ok(()) => {
            copy_in.finish().await?;
            Ok(())
        }
        Err(error) => {
            copy_in.abort("the copy failed").await?;
            Err(error.into())
        }
    }
}

/// `value` in COPY's text format: backslash, tab, newline and carriage
/// return escaped, everything else as it is.
fn push_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::store::test_support::{TestBackend, TestDb};

    /// Tables a copy leaves behind on purpose: which process may identify
    /// next is about processes running now, not data.
    const NOT_COPIED: [&str; 1] = ["identify_leases"];

    type Schema = BTreeMap<String, BTreeSet<String>>;

    async fn sqlite_schema(db: &TestDb) -> Schema {
        let store = sqlite::SqliteStore::open(&StoreOptions::new(db.url()))
            .await
            .unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
        )
        .fetch_all(&store.readers)
        .await
        .unwrap();
        store.close().await;
        schema(rows)
    }

    async fn postgres_schema(db: &TestDb) -> Schema {
        let store = postgres::PostgresStore::open(&StoreOptions::new(db.url()))
            .await
            .unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        store.close().await;
        schema(rows)
    }

    fn schema(rows: Vec<(String, String)>) -> Schema {
        let mut tables = Schema::new();
        for (table, column) in rows {
            tables.entry(table).or_default().insert(column);
        }
        tables
    }

    /// The copy matches columns by name and copies the tables it lists, so
    /// a migration that gives one backend a table or column the other lacks
    /// (or a table the copy forgets) would lose data in a move.
    #[tokio::test]
    async fn both_backends_migrate_to_the_same_tables_and_columns_and_the_copy_names_every_table() {
        let Some(postgres) = TestBackend::postgres() else {
            return;
        };
        let on_sqlite = sqlite_schema(&TestBackend::Sqlite.temp_db()).await;
        let on_postgres = postgres_schema(&postgres.temp_db()).await;
        assert_eq!(on_sqlite, on_postgres);
        let listed: BTreeSet<&str> = TABLES.iter().chain(&NOT_COPIED).copied().collect();
        let migrated: BTreeSet<&str> = on_postgres.keys().map(String::as_str).collect();
        assert_eq!(listed, migrated);
    }

    #[test]
    fn copy_text_escapes_what_copy_reads_as_structure() {
        let mut out = String::new();
        push_escaped(&mut out, "a\tb\nc\\d\re 🦵");
        assert_eq!(out, "a\\tb\\nc\\\\d\\re 🦵");
    }
}
