//! Use cases shared by commands, buttons and the scheduler. They validate
//! with `domain`, store with `store`, and return results and user errors for
//! the adapter to render; they never build Discord text.

pub mod boards;
pub mod changes;
pub mod checkins;
mod clock;
mod commands;
mod error;
pub mod export;
pub mod goals;
pub mod identify;
pub mod leaderboard;
mod members;
pub mod pictures;
pub mod privacy;
pub mod prompts;
pub mod schedules;
pub mod scheduling;
pub mod settings;
pub mod snoozes;
pub mod stats;
pub mod undo;

use std::sync::Arc;

use chrono_tz::Tz;

use crate::domain::exercise::{Catalog, Exercise};
use crate::store::Store;

pub use clock::{Clock, SystemClock};
pub use error::{AppError, UserError};

/// What the use cases work with. The store is theirs alone: the adapters
/// and the scheduler go through the use cases.
pub struct App {
    store: Arc<Store>,
    pub catalog: Arc<Catalog>,
    /// The zone of servers that have not chosen their own.
    pub default_zone: Tz,
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
    /// Woken whenever a schedule is added, changed or removed, so the
    /// scheduler looks again at once instead of polling.
    pub schedules_changed: Arc<tokio::sync::Notify>,
    /// Woken whenever a member snoozes a prompt, so the scheduler looks at
    /// the reminders again at once.
    pub snoozes_changed: Arc<tokio::sync::Notify>,
    /// How long data is kept; everything, forever, unless configured.
    pub retention: privacy::Retention,
    /// Draws the pictures replies and board posts carry, off the async
    /// threads; shared with the notifier of board posts.
    pub renderer: Arc<pictures::Renderer>,
}

impl App {
    /// The use cases over `store`, with nothing changed yet.
    pub fn new(
        store: Arc<Store>,
        catalog: Arc<Catalog>,
        default_zone: Tz,
        clock: Arc<dyn Clock>,
        limits: Limits,
    ) -> Self {
        Self {
            store,
            catalog,
            default_zone,
            clock,
            limits,
            schedules_changed: Arc::default(),
            snoozes_changed: Arc::default(),
            retention: privacy::Retention::default(),
            renderer: Arc::default(),
        }
    }

    /// The catalog's exercise named `key` (spaces around it ignored), or the
    /// user error that lists every key.
    pub(crate) fn catalog_exercise(&self, key: &str) -> Result<&Exercise, UserError> {
        self.catalog
            .get(key.trim())
            .ok_or_else(|| UserError::UnknownExercise {
                key: key.to_owned(),
                choices: self
                    .catalog
                    .iter()
                    .map(|e| e.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Per-server limits from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_schedules: u32,
    /// The shortest time between two firings of one schedule.
    pub min_interval_minutes: u32,
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::sync::Mutex;

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::store::StoreOptions;

    /// A clock tests move by hand.
    pub struct ManualClock(Mutex<DateTime<Utc>>);

    impl ManualClock {
        pub fn set(&self, to: DateTime<Utc>) {
            *self.0.lock().expect("clock") = to;
        }

        pub fn advance(&self, by: Duration) {
            let mut now = self.0.lock().expect("clock");
            *now += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().expect("clock")
        }

        /// Virtual time: sleeping moves the clock forward to `at`, after
        /// letting whatever else is ready run first.
        fn sleep_until(&self, at: DateTime<Utc>) -> futures_util::future::BoxFuture<'_, ()> {
            Box::pin(async move {
                tokio::task::yield_now().await;
                let mut now = self.0.lock().expect("clock");
                if *now < at {
                    *now = at;
                }
            })
        }
    }

    /// Member 10 of server 1, with Manage Server.
    pub fn admin() -> settings::Caller {
        settings::Caller {
            guild: crate::domain::GuildId(1),
            user: crate::domain::UserId(10),
            manage_server: true,
            roles: vec![],
        }
    }

    /// A `/checkin` by member `user` (named "member {user}") in server 1.
    pub fn checkin_request(
        interaction: u64,
        user: u64,
        exercise: &str,
        amount: i64,
    ) -> checkins::CheckInRequest {
        checkins::CheckInRequest {
            interaction: crate::domain::InteractionId(interaction),
            guild: crate::domain::GuildId(1),
            user: crate::domain::UserId(user),
            display_name: format!("member {user}"),
            exercise: exercise.into(),
            amount,
            note: None,
            source: crate::domain::checkin::Source::Command,
        }
    }

    /// An app on a fresh SQLite file with the built-in catalog, its clock at
    /// `now`, servers in UTC unless they choose otherwise.
    pub async fn app_at(now: DateTime<Utc>) -> (App, Arc<ManualClock>, tempfile::TempDir) {
        let clock = Arc::new(ManualClock(Mutex::new(now)));
        let (app, dir) = app_with_clock(clock.clone()).await;
        (app, clock, dir)
    }

    /// An app on a fresh SQLite file with the built-in catalog and `clock`.
    pub async fn app_with_clock(clock: Arc<dyn Clock>) -> (App, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        let store = Store::open(&StoreOptions::new(url)).await.expect("store");
        let catalog =
            crate::config::load_catalog(&crate::config::Settings::default()).expect("catalog");
        let app = App::new(
            Arc::new(store),
            Arc::new(catalog),
            Tz::UTC,
            clock,
            Limits {
                max_schedules: 3,
                min_interval_minutes: 5,
            },
        );
        (app, dir)
    }

    impl App {
        /// The store underneath, for tests that set up or look at what no
        /// use case does (a claim left by another process, a stored row).
        pub fn raw_store(&self) -> &Store {
            &self.store
        }
    }
}
