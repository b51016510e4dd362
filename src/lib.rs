#![recursion_limit = "256"]
//! secondheart: a Discord bot that keeps a desk-bound team's "second heart",
//! the calf-muscle pump, working with movement prompts, check-ins, streaks
//! and leaderboards.
//!
//! Dependencies point one way: `cli` wires `config`, `ops` and `store`
//! together; `store` returns `domain` types; `domain` depends on nothing of
//! ours.

pub mod app;
pub mod cli;
pub mod config;
pub mod discord;
pub mod domain;
pub mod ops;
pub mod pictures;
pub mod retry;
pub mod sandbox;
pub mod scheduler;
pub mod store;
