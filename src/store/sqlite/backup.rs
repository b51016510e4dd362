//! Consistent copies of a live database, with `VACUUM INTO`.
//!
//! `VACUUM INTO` reads one snapshot inside a read transaction, so the copy is
//! consistent even while the bot keeps writing, and it never blocks writers
//! (WAL mode). The copy is checked before it is reported as good.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use super::connect_options;
#[cfg(test)]
use super::SqliteStore;
use crate::store::{BackupSummary, StoreError, StoreOptions};

#[cfg(test)]
impl SqliteStore {
    /// Writes a consistent copy of the live database to `dest`, a file that
    /// must not exist yet.
    pub async fn backup_to(&self, dest: &Path) -> Result<BackupSummary, StoreError> {
        let mut conn = self.readers.acquire().await?;
        vacuum_into(&mut conn, dest).await
    }
}

/// Copies the database `options` names to `dest` without opening a store: the
/// `backup` command, run beside a bot that keeps writing.
pub async fn backup_database(
    options: &StoreOptions,
    dest: &Path,
) -> Result<BackupSummary, StoreError> {
    let source = connect_options(options)?;
    let path = source.get_filename().to_path_buf();
    if !path.is_file() {
        return Err(StoreError::Open {
            path: path.display().to_string(),
            reason: "no database file there".into(),
        });
    }
    let mut conn = source.read_only(true).connect().await?;
    let summary = vacuum_into(&mut conn, dest).await;
    conn.close().await?;
    summary
}

async fn vacuum_into(
    conn: &mut SqliteConnection,
    dest: &Path,
) -> Result<BackupSummary, StoreError> {
    let fail = |reason: String| StoreError::Backup {
        path: dest.display().to_string(),
        reason,
    };
    if dest.exists() {
        return Err(fail("the file already exists; choose a new name".into()));
    }
    if let Some(folder) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !folder.is_dir() {
            return Err(fail(format!(
                "the folder {} does not exist",
                folder.display()
            )));
        }
    }
    let target = dest
        .to_str()
        .ok_or_else(|| fail("the path is not valid UTF-8".into()))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut *conn)
        .await?;

    // Check the copy as a reader of it would open it.
    let mut copy = SqliteConnectOptions::new()
        .filename(dest)
        .read_only(true)
        .connect()
        .await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await?;
    if integrity != "ok" {
        return Err(fail(format!(
            "the copy fails its integrity check: {integrity}"
        )));
    }
    let schedules = sqlx::query_scalar!("SELECT COUNT(*) FROM schedules")
        .fetch_one(&mut copy)
        .await?;
    let checkins = sqlx::query_scalar!("SELECT COUNT(*) FROM checkins")
        .fetch_one(&mut copy)
        .await?;
    copy.close().await?;
    let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(BackupSummary {
        path: dest.to_path_buf(),
        bytes,
        schedules,
        checkins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::checkins::tests::{at, checkin};
    use crate::store::test_support::temp_store;
    use crate::store::Store;

    #[tokio::test]
    async fn a_backup_of_a_live_store_opens_with_the_same_rows() {
        let (store, dir) = temp_store().await;
        for i in 0..50 {
            store
                .record_checkin(checkin(i, 1, 7, "walk", 10, at(1, 9)))
                .await
                .unwrap();
        }
        let dest = dir.path().join("copy.db");
        let summary = store.sqlite().backup_to(&dest).await.unwrap();
        assert_eq!(summary.checkins, 50);
        assert!(summary.bytes > 0);

        let copy = Store::open(&StoreOptions::new(format!("sqlite://{}", dest.display())))
            .await
            .unwrap();
        let a = store
            .member_checkins(
                crate::domain::GuildId(1),
                crate::domain::UserId(7),
                at(1, 0),
                at(2, 0),
            )
            .await
            .unwrap();
        let b = copy
            .member_checkins(
                crate::domain::GuildId(1),
                crate::domain::UserId(7),
                at(1, 0),
                at(2, 0),
            )
            .await
            .unwrap();
        assert_eq!(a, b);
        copy.close().await;

        // Never over an existing file.
        let err = store.sqlite().backup_to(&dest).await.unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        let err = store
            .sqlite()
            .backup_to(&dir.path().join("no/such/folder.db"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        store.close().await;
    }

    #[tokio::test]
    async fn a_backup_needs_an_existing_database() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            StoreOptions::new(format!("sqlite://{}", dir.path().join("none.db").display()));
        let err = backup_database(&options, &dir.path().join("out.db"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no database file"), "{err}");
    }
}
