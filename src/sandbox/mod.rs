//! The sandbox: a fake Discord that speaks the real protocol on loopback,
//! for the tests and for `secondheart sandbox`, which runs the real bot
//! against it with a small scripted team and prints the channel.

pub mod fake_discord;
mod run;
mod team;
mod transcript;

pub use run::run;
