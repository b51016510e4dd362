//! The store: the only place in secondheart that speaks SQL.
//!
//! Two backends keep the same data with the same meaning: SQLite (the
//! default: one file, nothing to install) and PostgreSQL (several processes
//! on several machines), chosen by the URL's scheme. [`Store`] is what the
//! rest of the bot sees; each of its methods runs on the backend the store
//! opened (see [`dispatch!`]). Every method takes and returns domain types;
//! every query of server data is scoped by the server's guild id.
//!
//! One file per table family, each with its types and the methods' docs:
//! [`servers`], [`schedules`], [`occurrences`], [`checkins`], [`answers`],
//! [`members`], [`audit`], [`bot_state`], [`goals`], [`celebrations`],
//! [`snoozes`], [`standing`], [`departed`] and [`privacy`] (exports,
//! deletion on request, retention). Each backend's queries for them are in
//! [`sqlite`] and [`postgres`], file by file.

/// Public methods of [`Store`], each run by the store's backend: one list of
/// signatures (and their docs) instead of a `match` per method. A backend
/// compiled out (a build with only one of the `sqlite` and `postgres`
/// features) loses its arm.
macro_rules! dispatch {
    ($(
        $(#[$attr:meta])*
        pub async fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;
    )*) => {
        impl $crate::store::Store {
            $(
                $(#[$attr])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match &self.backend {
                        #[cfg(feature = "sqlite")]
                        $crate::store::Backend::Sqlite(db) => db.$name($($arg),*).await,
                        #[cfg(feature = "postgres")]
                        $crate::store::Backend::Postgres(db) => db.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

/// Runs each named store test, an `async fn(TestBackend)`, once on each
/// backend: as `name::sqlite` and `name::postgres`. One suite, two stores.
#[cfg(test)]
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[cfg(feature = "sqlite")]
            #[tokio::test]
            async fn sqlite() {
                super::$test($crate::store::test_support::TestBackend::Sqlite).await
            }

            #[cfg(feature = "postgres")]
            #[tokio::test]
            async fn postgres() {
                if let Some(backend) = $crate::store::test_support::TestBackend::postgres() {
                    super::$test(backend).await
                }
            }
        }
    )+};
}

mod answers;
mod audit;
mod bot_state;
mod celebrations;
mod changes;
mod checkins;
#[cfg(all(feature = "sqlite", feature = "postgres"))]
pub mod copy;
mod departed;
mod error;
mod goals;
mod identify;
mod members;
mod occurrences;
#[cfg(feature = "postgres")]
mod postgres;
mod privacy;
mod schedules;
mod servers;
mod snoozes;
#[cfg(feature = "sqlite")]
mod sqlite;
mod standing;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::exercise::ExerciseKey;

pub use answers::{AnswerOutcome, PromptCheckIn};
pub use celebrations::RoleGrant;
pub use changes::ChangeWatch;
pub use checkins::{CheckInDay, CheckInWritten, ExerciseTotals, MemberTotal};
pub use error::StoreError;
pub use goals::ExerciseSum;
pub use identify::IdentifyTurn;
pub use occurrences::Finish;
pub use privacy::{AnswerRecord, Forgotten, KeptDay, ServerCheckIn};
#[cfg(feature = "sqlite")]
pub use sqlite::WriterStats;
pub use standing::MemberHistory;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// `sqlite:` (a file).
    Sqlite,
    /// `postgres:` or `postgresql:` (a server).
    Postgres,
}

impl BackendKind {
    /// The backend a database URL names, or why it names none.
    pub fn of(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(StoreError::Open {
                path: redacted(url),
                reason: "the URL must start with sqlite:// or postgres://".into(),
            }),
        }
    }
}

/// A database URL fit for logs and messages: without its password.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// A `sqlite:` or `postgres:` URL.
    pub url: String,
    /// SQLite: how long to wait for another process's lock.
    pub busy_timeout: Duration,
    /// SQLite: refuse writes that would grow the file past this many bytes.
    pub max_size_bytes: Option<u64>,
    /// Connections for queries (SQLite: read-only ones beside the writer's;
    /// PostgreSQL: the whole pool).
    pub readers: u32,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            busy_timeout: Duration::from_secs(5),
            max_size_bytes: None,
            readers: 4,
        }
    }

    /// Which backend the URL names.
    pub fn kind(&self) -> Result<BackendKind, StoreError> {
        BackendKind::of(&self.url)
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub schedules: i64,
    pub checkins: i64,
}

/// Writes a consistent copy of the SQLite database `options` names to
/// `dest`, a file that must not exist yet. A PostgreSQL database is backed up
/// with its own tools (`pg_dump`).
pub async fn backup_database(
    options: &StoreOptions,
    dest: &Path,
) -> Result<BackupSummary, StoreError> {
    match options.kind()? {
        #[cfg(feature = "sqlite")]
        BackendKind::Sqlite => sqlite::backup::backup_database(options, dest).await,
        #[cfg(not(feature = "sqlite"))]
        BackendKind::Sqlite => Err(StoreError::NotBuilt("sqlite")),
        BackendKind::Postgres => Err(StoreError::Backup {
            path: dest.display().to_string(),
            reason: "a PostgreSQL database is backed up with pg_dump".into(),
        }),
    }
}

/// The store: a handle shared by the whole bot.
pub struct Store {
    backend: Backend,
}

enum Backend {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlite::SqliteStore),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::PostgresStore>),
}

impl Store {
    /// Opens the database the URL names (creating a SQLite file and its
    /// folder if missing), applies pending migrations and starts what the
    /// backend runs beside it (SQLite's writer).
    pub async fn open(options: &StoreOptions) -> Result<Self, StoreError> {
        let backend = match options.kind()? {
            #[cfg(feature = "sqlite")]
            BackendKind::Sqlite => Backend::Sqlite(sqlite::SqliteStore::open(options).await?),
            #[cfg(feature = "postgres")]
            BackendKind::Postgres => {
                Backend::Postgres(Box::new(postgres::PostgresStore::open(options).await?))
            }
            #[allow(unreachable_patterns)]
            kind => return Err(StoreError::NotBuilt(kind.name())),
        };
        Ok(Self { backend })
    }

    /// Which backend this store runs on.
    pub fn kind(&self) -> BackendKind {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => BackendKind::Sqlite,
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Where the data is, for logs: the file, or the server and database
    /// (never a password).
    pub fn location(&self) -> String {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.path().display().to_string(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.location(),
        }
    }

    /// The database file, on SQLite.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => Some(db.path()),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => None,
        }
    }

    /// The newest migration this build knows for the store's backend, as
    /// `version (description)`.
    pub fn latest_migration(&self) -> String {
        let migrator = match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => &sqlite::MIGRATOR,
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => &postgres::MIGRATOR,
        };
        migrator
            .iter()
            .next_back()
            .map(|m| format!("{} ({})", m.version, m.description))
            .unwrap_or_default()
    }

    /// How many transactions and write requests SQLite's writer has handled.
    #[cfg(feature = "sqlite")]
    pub fn writer_stats(&self) -> Option<&WriterStats> {
        match &self.backend {
            Backend::Sqlite(db) => Some(db.writer_stats()),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => None,
        }
    }

    /// How many reads have taken a connection from the pool since the store
    /// opened: one a query, so what a path costs in trips to the readers.
    #[cfg(test)]
    pub(crate) fn reads(&self) -> u64 {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.reads(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.reads(),
        }
    }

    /// The SQLite store underneath, for tests of what only SQLite has.
    #[cfg(all(test, feature = "sqlite"))]
    pub(crate) fn sqlite(&self) -> &sqlite::SqliteStore {
        match &self.backend {
            Backend::Sqlite(db) => db,
            #[cfg(feature = "postgres")]
            #[allow(clippy::panic)]
            // tests only: a test of SQLite on another backend is a bug
            Backend::Postgres(_) => panic!("a SQLite store was expected"),
        }
    }

    /// Finishes queued writes and closes every connection.
    pub async fn close(self) {
        match self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.close().await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => (*db).close().await,
        }
    }
}

dispatch! {
    /// Whether the database takes writes now (readiness): SQLite takes the
    /// write lock in the writer's next transaction and commits nothing.
    pub async fn check_writable(&self) -> Result<(), StoreError>;

    /// Refreshes the query planner's statistics where the data changed
    /// enough to matter. Run by the hourly tidy and at close.
    pub async fn optimize(&self) -> Result<(), StoreError>;

    /// Returns once every write queued before this call has committed (or
    /// failed): what closing does, for a store still shared.
    pub async fn flush(&self) -> Result<(), StoreError>;
}

impl BackendKind {
    /// The backend's name, as its cargo feature and URL scheme say it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A Discord id as stored: the same 64 bits, read as a signed integer.
fn db_id(id: u64) -> i64 {
    id as i64
}

/// A stored Discord id back as a snowflake.
fn snowflake(id: i64) -> u64 {
    id as u64
}

/// An instant as stored: milliseconds since the Unix epoch.
fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn instant(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("instant {ms} is out of range")))
}

fn optional_instant(ms: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    ms.map(instant).transpose()
}

fn time_zone(name: &str) -> Result<Tz, StoreError> {
    name.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown time zone `{name}`")))
}

fn exercise_key(key: &str) -> Result<ExerciseKey, StoreError> {
    ExerciseKey::parse(key).map_err(|_| StoreError::Corrupt(format!("bad exercise key `{key}`")))
}

/// Space-separated exercise keys, as `servers` and `schedules` store them.
fn exercise_keys(text: &str) -> Result<Vec<ExerciseKey>, StoreError> {
    text.split_whitespace().map(exercise_key).collect()
}

fn join_keys<'a>(keys: impl IntoIterator<Item = &'a ExerciseKey>) -> String {
    keys.into_iter()
        .map(ExerciseKey::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn local_date(text: &str) -> Result<NaiveDate, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad date `{text}`")))
}

#[cfg(all(test, feature = "postgres"))]
pub(crate) mod test_postgres;

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Which backend a store test runs on.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TestBackend {
        Sqlite,
        // Named by the tests on both backends even when PostgreSQL is
        // compiled out; they then never build it.
        #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
        Postgres,
    }

    /// Keeps a test's database alive: SQLite's temp folder, or PostgreSQL's
    /// database (dropped with it).
    pub struct TestDb {
        url: String,
        _dir: Option<tempfile::TempDir>,
        #[cfg(feature = "postgres")]
        _database: Option<super::test_postgres::TestDatabase>,
    }

    impl TestDb {
        /// The database's URL, for a second store on it ("another process").
        pub fn url(&self) -> &str {
            &self.url
        }
    }

    impl TestBackend {
        /// PostgreSQL, when a test server is at hand (see
        /// [`super::test_postgres`]).
        #[cfg(feature = "postgres")]
        pub fn postgres() -> Option<Self> {
            super::test_postgres::server().map(|_| Self::Postgres)
        }

        /// A fresh database of this backend, and a store open on it.
        pub async fn temp_store(self) -> (Store, TestDb) {
            let db = self.temp_db();
            let store = Store::open(&StoreOptions::new(db.url()))
                .await
                .expect("open store");
            (store, db)
        }

        /// A fresh, empty database of this backend.
        pub fn temp_db(self) -> TestDb {
            match self {
                Self::Sqlite => {
                    let dir = tempfile::tempdir().expect("temp dir");
                    TestDb {
                        url: format!("sqlite://{}", dir.path().join("test.db").display()),
                        _dir: Some(dir),
                        #[cfg(feature = "postgres")]
                        _database: None,
                    }
                }
                #[cfg(feature = "postgres")]
                Self::Postgres => {
                    let server = super::test_postgres::server().expect("a PostgreSQL test server");
                    let database = server.database();
                    TestDb {
                        url: database.url.clone(),
                        _dir: None,
                        _database: Some(database),
                    }
                }
                #[cfg(not(feature = "postgres"))]
                Self::Postgres => unreachable!("a build without PostgreSQL"),
            }
        }
    }

    /// A store on a fresh SQLite file in its own temp folder; keep the
    /// folder alive.
    pub async fn temp_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&StoreOptions::new(url))
            .await
            .expect("open store");
        (store, dir)
    }
}
