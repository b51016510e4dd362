//! Members' roles: `PUT` and `DELETE /guilds/{guild}/members/{user}/roles/{role}`.
//!
//! As Discord documents it ("Add Guild Member Role"): the bot needs
//! MANAGE_ROLES, and may only give or take roles below its own highest role
//! (the server's owner is above every role); otherwise 403 with code 50013
//! Missing Permissions. An unknown server, member or role is 404 with 10004,
//! 10007 or 10011. Success is 204, also when the member had the role
//! already.

use axum::http::StatusCode;

use super::{error, Reply};
use crate::world::World;
use crate::{member_permissions, permissions};

pub(super) fn member_role(
    world: &mut World,
    verb: &str,
    guild: Option<u64>,
    user: Option<u64>,
    role: Option<u64>,
) -> Reply {
    let bot = world.bot.id;
    let Some(guild) = guild.and_then(|g| world.guilds.get_mut(&g)) else {
        return error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    };
    let Some(role) = role
        .and_then(|r| guild.roles.iter().find(|x| x.id == r))
        .cloned()
    else {
        return error(StatusCode::NOT_FOUND, 10011, "Unknown Role");
    };
    let Some(me) = guild.members.get(&bot) else {
        return error(StatusCode::FORBIDDEN, 50013, "Missing Permissions");
    };
    let mine = member_permissions(guild, me);
    let my_highest = guild
        .roles
        .iter()
        .filter(|r| me.roles.contains(&r.id))
        .map(|r| r.position)
        .max()
        .unwrap_or(0);
    let owner = bot == guild.owner_id;
    if mine & permissions::MANAGE_ROLES == 0 || (!owner && role.position >= my_highest) {
        return error(StatusCode::FORBIDDEN, 50013, "Missing Permissions");
    }
    let Some(member) = user.and_then(|u| guild.members.get_mut(&u)) else {
        return error(StatusCode::NOT_FOUND, 10007, "Unknown Member");
    };
    match verb {
        "PUT" if !member.roles.contains(&role.id) => member.roles.push(role.id),
        "DELETE" => member.roles.retain(|r| *r != role.id),
        _ => {}
    }
    Reply::Empty(StatusCode::NO_CONTENT)
}
