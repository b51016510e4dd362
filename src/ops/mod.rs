//! Running the bot: logging, the health and metrics endpoints, and stopping gracefully.

pub mod health;
pub mod logging;
pub mod metrics;
pub mod shutdown;
