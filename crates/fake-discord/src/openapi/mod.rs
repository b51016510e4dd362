//! Checks request bodies against Discord's official OpenAPI 3.1 description.
//!
//! The fake Discord runs every request the bot sends through
//! [`OpenApi::check_request`], so that a test fails as soon as the bot sends
//! something real Discord would reject (or silently ignore). The schemas are
//! checked by the `jsonschema` crate (Draft 2020-12, which OpenAPI 3.1 uses),
//! after a pre-pass that makes the check STRICT (see `strict.rs`): an object
//! key the schema does not list is an error, and unions are chosen by `type`.
//! Each operation's request schema is compiled once and kept: all of them
//! when the vendored description loads, or, for another description, each on
//! its first use.
//!
//! The description itself is Discord's, vendored with its MIT licence in this
//! crate's `discord-openapi/` folder and compiled in: [`OpenApi::discord`].

pub(crate) mod multipart;
mod routes;
mod strict;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Registry, ValidationError};
use serde_json::{json, Map, Value};

use multipart::{form_fields, parse_multipart, MediaType, Part};
use routes::{literal_mask, parse_route, resolve, route_matches, strip_api_prefix, Route};
use routes::{Operation, RequestBody, Schema};
use strict::{Position, BASE};

/// Discord's description, as vendored in this crate.
const DISCORD: &str = include_str!("../../discord-openapi/openapi.json");

/// A value longer than this (as JSON) is not quoted in a problem.
const MAX_QUOTED: usize = 80;

/// A parsed OpenAPI description, ready to check requests against.
pub struct OpenApi {
    /// The rewritten schemas, where the request schemas' `$ref`s point.
    registry: Registry<'static>,
    routes: Vec<Route>,
}

impl fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenApi")
            .field("routes", &self.routes.len())
            .finish_non_exhaustive()
    }
}

/// Why a description could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("cannot read OpenAPI description {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("OpenAPI description {} is not valid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("not an OpenAPI 3 description: {0}")]
    NotOpenApi(String),
    #[error("OpenAPI description has an unresolvable or non-local $ref {0:?}")]
    BrokenRef(String),
    #[error("OpenAPI description's schemas cannot be indexed: {0}")]
    Schemas(String),
}

/// A request that does not conform to the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The operation as `METHOD /template`, e.g. `POST /channels/{channel_id}/messages`.
    pub operation: String,
    /// One line per problem, most prefixed with the JSONPath of the offending value.
    pub problems: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.problems.join("; "))
    }
}

impl std::error::Error for Violation {}

impl OpenApi {
    /// Discord's description, vendored in this crate; parsed and compiled
    /// once per process (about a second in a debug build), so that no request
    /// the fake serves waits for a schema to compile: a first-use delay in the
    /// middle of a test changes what the bot sees (an edit arriving after a
    /// member deleted the message).
    pub fn discord() -> &'static OpenApi {
        static API: LazyLock<OpenApi> = LazyLock::new(|| {
            let doc = serde_json::from_str(DISCORD).expect("the vendored description is JSON");
            let api = OpenApi::from_value(doc).expect("the vendored description loads");
            api.compile_all();
            api
        });
        &API
    }

    /// Reads and parses a description file.
    pub fn load(path: &Path) -> Result<OpenApi, OpenApiError> {
        let text = std::fs::read(path).map_err(|source| OpenApiError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let doc = serde_json::from_slice(&text).map_err(|source| OpenApiError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        OpenApi::from_value(doc)
    }

    /// Builds the checker from an already parsed description.
    pub fn from_value(doc: Value) -> Result<OpenApi, OpenApiError> {
        let version = doc.get("openapi").and_then(Value::as_str);
        if !version.is_some_and(|v| v.starts_with("3.")) {
            return Err(OpenApiError::NotOpenApi(
                "missing \"openapi\": \"3.x\"".into(),
            ));
        }
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| OpenApiError::NotOpenApi("missing \"paths\" object".into()))?;
        // Resolving every reference now means a broken description fails at load,
        // not as a confusing problem in some later test.
        check_refs(&doc, &doc)?;
        let routes = paths
            .iter()
            .map(|(template, item)| parse_route(&doc, template, item))
            .collect::<Result<_, _>>()?;
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(BASE, rewritten_components(&doc))
            .and_then(|builder| builder.prepare())
            .map_err(|e| OpenApiError::Schemas(e.to_string()))?;
        Ok(OpenApi { registry, routes })
    }

    /// Checks one request.
    ///
    /// `path` is the request path as sent, e.g. `/api/v10/channels/123/messages`; an
    /// `/api` or `/api/vN` prefix and any query string are ignored. `content_type` is
    /// the request's Content-Type header, if any, and `body` the raw body.
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Violation> {
        let method = method.to_ascii_uppercase();
        let path = strip_api_prefix(path);
        let Some(route) = self.route(path) else {
            let shown = if path.is_empty() { "/" } else { path };
            return Err(Violation {
                operation: format!("{method} {shown}"),
                problems: vec!["no such operation (unknown path)".into()],
            });
        };
        let operation = format!("{method} {}", route.template);
        let Some(op) = route.operations.get(&method) else {
            return Err(Violation {
                operation,
                problems: vec![format!("no such operation (path has no {method})")],
            });
        };
        let mut problems = self.check_body(op, content_type, body);
        if problems.is_empty() {
            return Ok(());
        }
        // allOf members often repeat a constraint (e.g. an enum and its base type),
        // which would report the same problem twice.
        let mut seen = HashSet::new();
        problems.retain(|p| seen.insert(p.clone()));
        Err(Violation {
            operation,
            problems,
        })
    }

    /// The most specific route matching `path`: at the first segment where two
    /// matching templates differ, a literal (`@me`, `@original`) beats a parameter.
    fn route(&self, path: &str) -> Option<&Route> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        self.routes
            .iter()
            .filter(|route| route_matches(route, &segments))
            .max_by(|a, b| literal_mask(a).cmp(&literal_mask(b)))
    }

    fn check_body(&self, op: &Operation, content_type: Option<&str>, body: &[u8]) -> Vec<String> {
        let empty = body.iter().all(u8::is_ascii_whitespace);
        let Some(request_body) = &op.body else {
            return if empty {
                Vec::new()
            } else {
                vec![format!(
                    "operation takes no request body, got {} bytes",
                    body.len()
                )]
            };
        };
        if empty {
            return if request_body.required {
                vec!["missing required request body".into()]
            } else {
                Vec::new()
            };
        }
        let Some(content_type) = content_type else {
            return vec!["request body without a Content-Type header".into()];
        };
        let media = MediaType::parse(content_type);
        let Some(schema) = request_body.content.get(&media.essence) else {
            let mut accepted: Vec<&str> = request_body.content.keys().map(String::as_str).collect();
            accepted.sort_unstable();
            return vec![format!(
                "Content-Type {} not accepted (accepts {})",
                media.essence,
                accepted.join(", ")
            )];
        };
        match media.essence.as_str() {
            "application/json" => self.check_json_bytes(schema, body),
            "multipart/form-data" => self.check_multipart(request_body, schema, &media, body),
            other => vec![format!(
                "Content-Type {other} is not checked; send application/json or multipart/form-data"
            )],
        }
    }

    fn check_json_bytes(&self, schema: &Schema, bytes: &[u8]) -> Vec<String> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(value) => self.check_value(schema, &value),
            Err(e) => vec![format!("body is not JSON: {e}")],
        }
    }

    /// Multipart bodies carry the JSON document in a `payload_json` part and files in
    /// the others; the JSON is held to the operation's `application/json` schema.
    fn check_multipart(
        &self,
        request_body: &RequestBody,
        form_schema: &Schema,
        media: &MediaType,
        body: &[u8],
    ) -> Vec<String> {
        let Some(boundary) = media.param("boundary") else {
            return vec!["multipart/form-data without a boundary parameter".into()];
        };
        let parts = match parse_multipart(body, boundary) {
            Ok(parts) => parts,
            Err(e) => return vec![format!("malformed multipart body: {e}")],
        };
        let Some(json_schema) = request_body.content.get("application/json") else {
            // A form-only operation (sticker upload and the like): its multipart
            // schema describes the parts themselves, so check the part names and
            // text values as an object.
            return self.check_value(form_schema, &form_fields(&parts));
        };
        let payloads: Vec<&Part<'_>> = parts.iter().filter(|p| p.name == "payload_json").collect();
        match payloads.as_slice() {
            // Files without a payload: Discord treats the message fields as absent.
            [] => self.check_value(json_schema, &Value::Object(Map::new())),
            [payload] => self.check_json_bytes(json_schema, payload.data),
            _ => vec!["more than one payload_json part".into()],
        }
    }

    /// Compiles every operation's request schemas now rather than on first
    /// use, so that no request waits for one.
    pub fn compile_all(&self) {
        let bodies = self.routes.iter().flat_map(|r| r.operations.values());
        for schema in bodies
            .filter_map(|op| op.body.as_ref())
            .flat_map(|b| b.content.values())
        {
            self.compiled(schema);
        }
    }

    fn compiled<'a>(&self, schema: &'a Schema) -> &'a Result<jsonschema::Validator, String> {
        schema.compiled.get_or_init(|| {
            jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(&self.registry)
                .should_validate_formats(true)
                .with_format("snowflake", strict::is_snowflake_text)
                .build(&schema.rewritten)
                .map_err(|e| e.to_string())
        })
    }

    fn check_value(&self, schema: &Schema, value: &Value) -> Vec<String> {
        let validator = match self.compiled(schema) {
            Ok(validator) => validator,
            Err(error) => {
                return vec![format!(
                    "the description's schema does not compile: {error}"
                )]
            }
        };
        let problems: Vec<(String, String)> =
            validator.iter_errors(value).flat_map(describe).collect();
        // A field whose value fails its schema is not counted as evaluated,
        // so it would also be called unknown: say only what is wrong with it.
        let echo = |(path, message): &(String, String)| {
            message == UNKNOWN
                && problems.iter().any(|(other, m)| {
                    m != UNKNOWN
                        && other
                            .strip_prefix(path.as_str())
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
                })
        };
        problems
            .iter()
            .filter(|p| !echo(p))
            .map(|(path, message)| format!("{path}: {message}"))
            .collect()
    }
}

const UNKNOWN: &str = "unknown field";

/// One schema error as problems: the JSONPath of the offending value, and
/// what is wrong with it.
fn describe(error: ValidationError<'_>) -> Vec<(String, String)> {
    let path = json_path(&error);
    match error.kind() {
        ValidationErrorKind::UnevaluatedProperties { unexpected }
        | ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| (child_key(&path, key), UNKNOWN.to_owned()))
            .collect(),
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            vec![(child_key(&path, name), "missing required field".to_owned())]
        }
        // A long value (a 4,001-character message) is not quoted back.
        _ if error.instance().to_string().len() > MAX_QUOTED => {
            vec![(path, error.masked().to_string())]
        }
        _ => vec![(path, error.to_string())],
    }
}

/// `$.embeds[0].colour` for the instance location `/embeds/0/colour`.
fn json_path(error: &ValidationError<'_>) -> String {
    let mut path = String::from("$");
    for segment in error.instance_path().segments() {
        match segment {
            jsonschema::paths::LocationSegment::Index(i) => path.push_str(&format!("[{i}]")),
            jsonschema::paths::LocationSegment::Property(key) => path = child_key(&path, &key),
        }
    }
    path
}

/// `path.key`, or `path["key"]` when the key is not a plain identifier.
fn child_key(path: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_owned()))
    }
}

/// The description's components, their schemas rewritten for the strict
/// check: what the request schemas' `$ref`s point into.
fn rewritten_components(doc: &Value) -> Value {
    let mut components = doc.get("components").cloned().unwrap_or_else(|| json!({}));
    if let Some(schemas) = components.get_mut("schemas").and_then(Value::as_object_mut) {
        for schema in schemas.values_mut() {
            *schema = strict::rewrite(doc, schema, Position::Member);
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": components,
    })
}

/// Fails on the first `$ref` that does not resolve within `doc`.
fn check_refs(doc: &Value, node: &Value) -> Result<(), OpenApiError> {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                if resolve(doc, reference).is_none() {
                    return Err(OpenApiError::BrokenRef(reference.clone()));
                }
            }
            map.values().try_for_each(|v| check_refs(doc, v))
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_refs(doc, v)),
        _ => Ok(()),
    }
}
