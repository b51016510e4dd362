//! Running the bot: logging (and, later, health, metrics and shutdown).

pub mod health;
pub mod logging;
pub mod metrics;
