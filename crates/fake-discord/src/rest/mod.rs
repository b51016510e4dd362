//! The REST API under `/api/v10`: every request is recorded, checked against
//! Discord's description, run through the fault switches, then answered from
//! the world as Discord would: channels and messages in `messages.rs`,
//! interaction callbacks and webhooks in `webhooks.rs`, members' roles in
//! `members.rs`, reads of a server and its members in `guilds.rs`, the rest
//! here.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

mod guilds;
mod members;
mod messages;
mod webhooks;

use super::openapi::multipart::{parse_multipart, MediaType};
use super::world::{FaultKind, RecordedRequest, UploadedFile, World};
use super::{payloads, Shared};

/// Discord's error answer.
fn error(status: StatusCode, code: u32, message: &str) -> Reply {
    Reply::Json(status, json!({"message": message, "code": code}))
}

/// What a route answers, before headers.
pub(super) enum Reply {
    Json(StatusCode, Value),
    Empty(StatusCode),
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Reply::Json(s, _) | Reply::Empty(s) => s.as_u16(),
        }
    }
}

/// Every REST request comes through here.
pub(super) async fn handle(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let received_ms = World::now_ms();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let violation = shared
        .openapi
        .check_request(method.as_str(), &path, content_type.as_deref(), &body)
        .err()
        .map(|v| v.to_string());
    if let Some(violation) = &violation {
        tracing::error!(%violation, "request breaks Discord's API description");
    }
    let parsed = parse_body(content_type.as_deref(), &body);
    let files = uploaded_files(content_type.as_deref(), &body, parsed.as_ref());
    let too_big = {
        let limit = shared.world().attachment_size_limit;
        files.iter().any(|f| f.bytes.len() as u64 > limit)
    };
    let fault = shared.world().take_fault(method.as_str(), &path);
    if let Some(FaultKind::Delay(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| shared.world().accepts_token(token));
    let reply = match fault {
        Some(FaultKind::RateLimited {
            retry_after,
            global,
        }) => {
            let mut response = Reply::Json(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global}),
            )
            .into_response();
            let headers = response.headers_mut();
            headers.insert(
                "retry-after",
                header(&format!("{}", retry_after.ceil() as u64)),
            );
            headers.insert(
                "x-ratelimit-scope",
                header(if global { "global" } else { "user" }),
            );
            if global {
                headers.insert("x-ratelimit-global", header("true"));
            }
            record(
                &shared,
                &method,
                &path,
                (parsed, files),
                429,
                violation,
                received_ms,
            );
            return response;
        }
        Some(FaultKind::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, 0, "Internal Server Error")
        }
        // Interaction callbacks and webhooks are authorized by their token.
        _ if !authorized && !is_token_route(&path) => {
            error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized")
        }
        // A file over the interaction's `attachment_size_limit`.
        _ if too_big => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            40005,
            "Request entity too large",
        ),
        _ => route(&shared, &method, &path, &query, parsed.clone()),
    };
    record(
        &shared,
        &method,
        &path,
        (parsed, files),
        reply.status(),
        violation,
        received_ms,
    );
    if let Some(FaultKind::Hold(hold)) = fault {
        tokio::time::sleep(hold).await;
    }
    reply.into_response()
}

fn is_token_route(path: &str) -> bool {
    path.starts_with("/api/v10/interactions/") || path.starts_with("/api/v10/webhooks/")
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("0"))
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(status, body) => (status, axum::Json(body)).into_response(),
            Reply::Empty(status) => status.into_response(),
        }
    }
}

fn record(
    shared: &Shared,
    method: &Method,
    path: &str,
    (body, files): (Option<Value>, Vec<UploadedFile>),
    status: u16,
    violation: Option<String>,
    received_ms: i64,
) {
    shared.world().requests.push(RecordedRequest {
        method: method.to_string(),
        path: path.to_owned(),
        body,
        status,
        violation,
        received_ms,
        files,
    });
    shared.changed.notify_waiters();
}

/// The JSON a request carries: the body itself, or a multipart body's
/// `payload_json`.
fn parse_body(content_type: Option<&str>, body: &[u8]) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    match content_type {
        Some(ct) if ct.starts_with("multipart/form-data") => {
            let media = MediaType::parse(ct);
            let parts = parse_multipart(body, media.param("boundary")?).ok()?;
            let payload = parts.iter().find(|p| p.name == "payload_json")?;
            serde_json::from_slice(payload.data).ok()
        }
        _ => serde_json::from_slice(body).ok(),
    }
}

/// The files of a multipart body: every part with a file name. Each
/// `files[n]` takes its description from the payload's attachment with id
/// `n`, as Discord matches them.
fn uploaded_files(
    content_type: Option<&str>,
    body: &[u8],
    payload: Option<&Value>,
) -> Vec<UploadedFile> {
    let Some(ct) = content_type.filter(|ct| ct.starts_with("multipart/form-data")) else {
        return Vec::new();
    };
    let media = MediaType::parse(ct);
    let Some(parts) = media
        .param("boundary")
        .and_then(|b| parse_multipart(body, b).ok())
    else {
        return Vec::new();
    };
    parts
        .into_iter()
        .filter_map(|p| {
            Some(UploadedFile {
                filename: p.filename?,
                description: attachment_description(payload, &p.name),
                field: p.name,
                bytes: p.data.to_vec(),
            })
        })
        .collect()
}

/// The description the payload's `attachments` give the file of form part
/// `field` (`files[n]` is the attachment with id `n`).
fn attachment_description(payload: Option<&Value>, field: &str) -> Option<String> {
    let id = field.strip_prefix("files[")?.strip_suffix(']')?;
    payload?
        .get("attachments")?
        .as_array()?
        .iter()
        .find(|a| match &a["id"] {
            Value::Number(n) => n.to_string() == id,
            Value::String(s) => s == id,
            _ => false,
        })?
        .get("description")?
        .as_str()
        .map(str::to_owned)
}

fn route(shared: &Shared, method: &Method, path: &str, query: &str, body: Option<Value>) -> Reply {
    let Some(rest) = path.strip_prefix("/api/v10/") else {
        return error(StatusCode::NOT_FOUND, 0, "404: Not Found");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let body = body.unwrap_or(Value::Null);
    let mut world = shared.world();
    let id = |s: &str| s.parse::<u64>().ok();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => Reply::Json(StatusCode::OK, json!({"url": shared.gateway_url()})),
        ("GET", ["gateway", "bot"]) => Reply::Json(
            StatusCode::OK,
            json!({
                "url": shared.gateway_url(),
                "shards": world.recommended_shards,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": world.max_concurrency}
            }),
        ),
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            let bot = payloads::user(&world.bot);
            Reply::Json(
                StatusCode::OK,
                json!({
                    "id": world.application_id.to_string(),
                    "name": world.bot.name,
                    "icon": null,
                    "description": "",
                    "bot_public": true,
                    "bot_require_code_grant": false,
                    "verify_key": "0",
                    "flags": 0,
                    "bot": bot,
                    "owner": bot,
                    "team": null,
                }),
            )
        }
        ("GET", ["users", "@me"]) => Reply::Json(StatusCode::OK, payloads::user(&world.bot)),
        ("PUT", ["applications", app, "guilds", guild, "commands"])
            if id(app) == Some(world.application_id) =>
        {
            let Some(guild) = id(guild).filter(|g| world.guilds.contains_key(g)) else {
                return error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
            };
            let Some(list) = body.as_array() else {
                return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
            };
            let registered = register_commands(&mut world, list, Some(guild));
            world.guild_commands.insert(guild, registered.clone());
            shared.changed.notify_waiters();
            Reply::Json(StatusCode::OK, Value::Array(registered))
        }
        ("PUT", ["applications", app, "commands"]) if id(app) == Some(world.application_id) => {
            let Some(list) = body.as_array() else {
                return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
            };
            let registered = register_commands(&mut world, list, None);
            world.global_commands = registered.clone();
            world.command_overwrites += 1;
            shared.changed.notify_waiters();
            Reply::Json(StatusCode::OK, Value::Array(registered))
        }
        ("GET", ["applications", app, "commands"]) if id(app) == Some(world.application_id) => {
            Reply::Json(StatusCode::OK, Value::Array(world.global_commands.clone()))
        }
        ("POST", ["interactions", interaction, token, "callback"]) => {
            webhooks::callback(&mut world, id(interaction), token, body)
        }
        ("POST", ["webhooks", app, token]) if id(app) == Some(world.application_id) => {
            webhooks::follow_up(&mut world, token, body)
        }
        (verb, ["webhooks", app, token, "messages", target])
            if id(app) == Some(world.application_id) =>
        {
            webhooks::message(&mut world, verb, token, target, &body)
        }
        ("GET", ["guilds", guild]) => guilds::guild(&world, id(guild)),
        ("GET", ["guilds", guild, "members", user]) => guilds::member(&world, id(guild), id(user)),
        (verb @ ("PUT" | "DELETE"), ["guilds", guild, "members", user, "roles", role]) => {
            members::member_role(&mut world, verb, id(guild), id(user), id(role))
        }
        (verb, ["channels", channel, rest @ ..]) => {
            messages::channel(&mut world, verb, channel, rest, query, body)
        }
        _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
    }
}

/// Gives commands ids and versions, as Discord does on a bulk overwrite.
fn register_commands(world: &mut World, list: &[Value], guild: Option<u64>) -> Vec<Value> {
    let mut registered = Vec::new();
    for command in list {
        let mut command = command.clone();
        command["id"] = json!(world.snowflake().to_string());
        command["application_id"] = json!(world.application_id.to_string());
        command["version"] = json!(world.snowflake().to_string());
        if let Some(guild) = guild {
            command["guild_id"] = json!(guild.to_string());
        }
        if command.get("type").is_none() {
            command["type"] = json!(1);
        }
        registered.push(command);
    }
    registered
}
