//! Reading a server: `GET /guilds/{guild}` and `GET
//! /guilds/{guild}/members/{user}`.
//!
//! As Discord documents them ("Get Guild", "Get Guild Member"): the guild
//! object with its roles (no channels or members), and one member. A server
//! the bot is not in is 404 with code 10004 Unknown Guild, a member it does
//! not have 404 with 10007 Unknown Member.

use axum::http::StatusCode;

use super::{error, Reply};
use crate::payloads;
use crate::world::World;

pub(super) fn guild(world: &World, guild: Option<u64>) -> Reply {
    match guild.and_then(|g| world.guilds.get(&g)) {
        Some(guild) => Reply::Json(StatusCode::OK, payloads::guild_object(guild)),
        None => error(StatusCode::NOT_FOUND, 10004, "Unknown Guild"),
    }
}

pub(super) fn member(world: &World, guild: Option<u64>, user: Option<u64>) -> Reply {
    let Some(guild) = guild.and_then(|g| world.guilds.get(&g)) else {
        return error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    };
    let found = user.and_then(|u| Some((guild.members.get(&u)?, world.user(u)?)));
    match found {
        Some((member, user)) => Reply::Json(StatusCode::OK, payloads::member(member, user)),
        None => error(StatusCode::NOT_FOUND, 10007, "Unknown Member"),
    }
}
