//! Use cases shared by commands, buttons and the scheduler. They validate
//! with `domain`, store with `store`, and return results and user errors for
//! the adapter to render; they never build Discord text.

pub mod checkins;
mod clock;
mod error;

use std::sync::Arc;

use chrono_tz::Tz;

use crate::domain::exercise::Catalog;
use crate::store::Store;

pub use clock::{Clock, SystemClock};
pub use error::{AppError, UserError};

/// What the use cases work with.
pub struct App {
    pub store: Arc<Store>,
    pub catalog: Arc<Catalog>,
    /// The zone of servers that have not chosen their own.
    pub default_zone: Tz,
    pub clock: Arc<dyn Clock>,
}
