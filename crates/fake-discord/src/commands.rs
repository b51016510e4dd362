//! Slash commands and autocomplete as a member's client sends them: built
//! from the definitions the bot registered, checked as Discord's client checks
//! them, or deliberately not.

use std::time::Duration;

use serde_json::{json, Value};

use super::interactions::new_interaction;
use super::{payloads, permissions, world, FakeDiscord};

/// How the member's client builds a command interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    /// Discord's own client: options checked against the definition.
    Checked,
    /// A modified client or a stale command list: options as given.
    Unchecked,
    /// Unchecked, and ids of other servers resolved too (never from Discord).
    Forged,
}

impl FakeDiscord {
    /// The registered global commands, once the bot has registered some.
    pub async fn wait_for_commands(&self, timeout: Duration) -> Option<Vec<Value>> {
        self.wait_until(timeout, |w| {
            (!w.global_commands.is_empty()).then(|| w.global_commands.clone())
        })
        .await
    }

    /// How many times the bot overwrote its global commands.
    pub fn command_overwrites(&self) -> u32 {
        self.shared.world().command_overwrites
    }

    /// Sends a slash command as `user` in `channel`, with options checked
    /// against the registered definition as Discord's client would: names,
    /// types and choices. Returns the interaction id.
    pub fn send_command(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        self.command(guild, channel, user, name, options, true)
    }

    /// Like [`send_command`](Self::send_command) without the client-side
    /// checks: what a modified client or a stale command list can send.
    pub fn send_command_unchecked(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        self.command(guild, channel, user, name, options, false)
    }

    /// Like [`send_command_unchecked`](Self::send_command_unchecked), but
    /// channel and role options are resolved wherever they live, also in
    /// another server: a payload Discord itself never sends, so the bot's own
    /// check that an option belongs to the server is what stands.
    pub fn send_command_forged(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        self.build_command(guild, channel, user, name, options, Client::Forged, None)
    }

    /// Sends an autocomplete request for `/name` while the member types
    /// `partial` into option `focused`, with `options` already filled in.
    /// The bot answers with choices (callback type 8, see [`Self::reply`]).
    pub fn send_autocomplete(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
        focused: (&str, &str),
    ) -> Result<u64, String> {
        let mut all: Vec<(&str, Value)> = options.to_vec();
        all.push((focused.0, json!(focused.1)));
        self.build_command(
            guild,
            channel,
            user,
            name,
            &all,
            Client::Unchecked,
            Some(focused.0),
        )
    }

    fn command(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
        checked: bool,
    ) -> Result<u64, String> {
        let client = if checked {
            Client::Checked
        } else {
            Client::Unchecked
        };
        self.build_command(guild, channel, user, name, options, client, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn build_command(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
        client: Client,
        focused: Option<&str>,
    ) -> Result<u64, String> {
        let checked = client == Client::Checked;
        let mut world = self.shared.world();
        // "me timezone" is the subcommand `timezone` of `/me`.
        let (top, sub) = match name.split_once(' ') {
            Some((top, sub)) => (top, Some(sub)),
            None => (name, None),
        };
        let definition = world
            .guild_commands
            .get(&guild)
            .into_iter()
            .flatten()
            .chain(&world.global_commands)
            .find(|c| c["name"] == top)
            .cloned()
            .ok_or_else(|| format!("no command /{top} is registered"))?;
        let top_options = definition["options"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let declared = match sub {
            None => top_options,
            Some(sub) => top_options
                .iter()
                .find(|o| o["name"] == sub && o["type"] == 1)
                .ok_or_else(|| format!("/{top} has no subcommand `{sub}`"))?["options"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        };
        let mut data_options = Vec::new();
        let mut resolved = json!({});
        for (option, value) in options {
            let Some(spec) = declared.iter().find(|o| o["name"] == *option) else {
                return Err(format!("/{name} has no option `{option}`"));
            };
            let kind = spec["type"].as_u64().unwrap_or(3);
            if checked {
                check_option(spec, value)?;
            }
            // Users, as Discord resolves them for the bot.
            if kind == 6 {
                let id = value
                    .as_str()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or("a user option takes a user id")?;
                let user = world.user(id).cloned().ok_or("no such user")?;
                resolved["users"][id.to_string()] = payloads::user(&user);
                if let Some(member) = world.guilds.get(&guild).and_then(|g| g.members.get(&id)) {
                    let mut member = payloads::member(member, &user);
                    if let Some(m) = member.as_object_mut() {
                        m.remove("user");
                    }
                    resolved["members"][id.to_string()] = member;
                }
            }
            // Channels, resolved only when they are the server's own.
            if kind == 7 {
                let id = value
                    .as_str()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or("a channel option takes a channel id")?;
                if let Some(channel) = world
                    .channels
                    .get(&id)
                    .filter(|c| c.guild_id == guild || client == Client::Forged)
                {
                    let c = payloads::channel(channel);
                    resolved["channels"][id.to_string()] = json!({
                        "id": c["id"], "type": c["type"], "name": c["name"], "guild_id": c["guild_id"],
                        "permissions": permissions::MEMBER_DEFAULT.to_string(), "flags": 0,
                    });
                }
            }
            // Roles, resolved only when they are the server's own.
            if kind == 8 {
                let id = value
                    .as_str()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or("a role option takes a role id")?;
                let own = world.guilds.get(&guild).into_iter();
                let anywhere = world.guilds.values().filter(|_| client == Client::Forged);
                if let Some(role) = own
                    .chain(anywhere)
                    .find_map(|g| g.roles.iter().find(|r| r.id == id))
                {
                    let mut role = payloads::role(role);
                    role["guild_id"] = json!(guild.to_string());
                    resolved["roles"][id.to_string()] = role;
                }
            }
            let mut data_option = json!({"name": option, "type": kind, "value": value});
            if focused == Some(*option) {
                data_option["focused"] = json!(true);
            }
            data_options.push(data_option);
        }
        if checked {
            for spec in &declared {
                let required = spec["required"].as_bool().unwrap_or(false);
                if required && !options.iter().any(|(o, _)| spec["name"] == *o) {
                    return Err(format!("/{name} needs `{}`", spec["name"]));
                }
            }
        }
        let data_options = match sub {
            None => data_options,
            Some(sub) => vec![json!({"name": sub, "type": 1, "options": data_options})],
        };
        let mut data = json!({
            "id": definition["id"],
            "name": top,
            "type": 1,
            "options": data_options,
        });
        if resolved.as_object().is_some_and(|r| !r.is_empty()) {
            data["resolved"] = resolved;
        }
        // Autocomplete requests are interactions of type 4.
        let kind = if focused.is_some() { 4 } else { 2 };
        let id = new_interaction(&mut world, kind, guild, channel, user, data, None)?;
        drop(world);
        self.shared.changed.notify_waiters();
        Ok(id)
    }

    /// Sends a slash command in a direct message with the bot, as `user`.
    /// Returns the interaction id.
    pub fn send_dm_command(
        &self,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        let mut world = self.shared.world();
        let definition = world
            .global_commands
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .ok_or_else(|| format!("no command /{name} is registered"))?;
        let user_object = world.user(user).cloned().ok_or("no such user")?;
        let id = world.timed_snowflake(Duration::ZERO);
        let channel = world.snowflake();
        let token = format!("interaction-token-{id}-{}", world.snowflake());
        let data_options: Vec<Value> = options
            .iter()
            .map(|(option, value)| {
                let kind = definition["options"]
                    .as_array()
                    .and_then(|o| o.iter().find(|d| d["name"] == *option))
                    .and_then(|d| d["type"].as_u64())
                    .unwrap_or(3);
                json!({"name": option, "type": kind, "value": value})
            })
            .collect();
        let payload = json!({
            "id": id.to_string(),
            "application_id": world.application_id.to_string(),
            "type": 2,
            "data": {"id": definition["id"], "name": name, "type": 1, "options": data_options},
            "channel_id": channel.to_string(),
            "channel": {"id": channel.to_string(), "type": 1, "recipients": [payloads::user(&user_object)], "flags": 0},
            "user": payloads::user(&user_object),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": permissions::MEMBER_DEFAULT.to_string(),
            "entitlements": [],
            "authorizing_integration_owners": {"1": user.to_string()},
            "context": 1,
            "attachment_size_limit": world.attachment_size_limit,
        });
        world.add_interaction(world::Interaction {
            id,
            token,
            guild_id: None,
            channel_id: channel,
            user_id: user,
            payload: payload.clone(),
            dispatched: None,
            late: std::time::Duration::ZERO,
            created: std::time::Instant::now(),
            acknowledged: false,
            shown: None,
            callbacks: Vec::new(),
            original: None,
            followups: Vec::new(),
        });
        world.dispatch("INTERACTION_CREATE", payload, Some(id));
        drop(world);
        self.shared.changed.notify_waiters();
        Ok(id)
    }
}

/// Checks a value as Discord's client would before sending it.
fn check_option(spec: &Value, value: &Value) -> Result<(), String> {
    let name = spec["name"].as_str().unwrap_or("?");
    let kind = spec["type"].as_u64().unwrap_or(3);
    let type_ok = match kind {
        3 | 6 | 7 | 8 => value.is_string(),
        4 => value.is_i64(),
        10 => value.is_number(),
        5 => value.is_boolean(),
        _ => true,
    };
    if !type_ok {
        return Err(format!("option `{name}` of type {kind} cannot be {value}"));
    }
    if let Some(choices) = spec["choices"].as_array().filter(|c| !c.is_empty()) {
        if !choices.iter().any(|c| c["value"] == *value) {
            return Err(format!(
                "option `{name}` must be one of its choices, not {value}"
            ));
        }
    }
    if let (Some(min), Some(v)) = (spec["min_value"].as_f64(), value.as_f64()) {
        if v < min {
            return Err(format!("option `{name}` is at least {min}"));
        }
    }
    if let (Some(max), Some(v)) = (spec["max_value"].as_f64(), value.as_f64()) {
        if v > max {
            return Err(format!("option `{name}` is at most {max}"));
        }
    }
    if let (Some(max), Some(s)) = (spec["max_length"].as_u64(), value.as_str()) {
        if s.chars().count() as u64 > max {
            return Err(format!("option `{name}` is at most {max} characters"));
        }
    }
    Ok(())
}
