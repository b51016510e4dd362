//! Running the bot: logging (and, later, health, metrics and shutdown).

pub mod logging;
pub mod shutdown;
