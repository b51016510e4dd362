//! The sandbox: a fake Discord that speaks the real protocol on loopback,
//! for the tests and for running the bot without Discord.

pub mod fake_discord;
