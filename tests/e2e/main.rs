//! End-to-end tests: the real `secondheart` binary, real SQLite files.
//!
//! One test binary for the whole suite (each extra binary re-links the whole
//! stack); one module per feature.

// Tests stop loudly on what they did not expect.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod checkin;
mod cli;
mod gateway;
mod goals;
mod health;
mod member;
mod migrate_store;
mod moderation;
mod pictures;
mod preview;
mod privacy;
mod prompts;
mod restore;
mod sandbox;
mod schedules;
mod shards;
mod shutdown;
mod support;
