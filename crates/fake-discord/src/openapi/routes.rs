//! The description's paths: templates matched against request paths, and
//! each operation's request body with its schemas.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use super::strict::{self, Position};
use super::OpenApiError;

/// The HTTP methods an OpenAPI path item may describe.
pub(super) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One path template with its operations.
#[derive(Debug)]
pub(super) struct Route {
    pub(super) template: String,
    pub(super) segments: Vec<Segment>,
    /// Keyed by upper-case method.
    pub(super) operations: HashMap<String, Operation>,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug)]
pub(super) struct Operation {
    pub(super) body: Option<RequestBody>,
}

#[derive(Debug)]
pub(super) struct RequestBody {
    pub(super) required: bool,
    /// Lower-case media type → its schema.
    pub(super) content: HashMap<String, Schema>,
}

/// A request schema, rewritten for the strict check, compiled once and kept.
pub(super) struct Schema {
    pub(super) rewritten: Value,
    pub(super) compiled: OnceLock<Result<Validator, String>>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("compiled", &self.compiled.get().is_some())
            .finish_non_exhaustive()
    }
}

pub(super) fn parse_route(
    doc: &Value,
    template: &str,
    item: &Value,
) -> Result<Route, OpenApiError> {
    let item = item.as_object().ok_or_else(|| {
        OpenApiError::NotOpenApi(format!("path item {template} is not an object"))
    })?;
    let segments = template
        .strip_prefix('/')
        .ok_or_else(|| OpenApiError::NotOpenApi(format!("path {template} does not start with /")))?
        .split('/')
        .map(|s| {
            if s.len() > 2 && s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect();
    let mut operations = HashMap::new();
    for (method, op) in item.iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
        let body = op
            .get("requestBody")
            .map(|body| parse_request_body(doc, body))
            .transpose()
            .map_err(|why| OpenApiError::NotOpenApi(format!("{method} {template}: {why}")))?;
        operations.insert(method.to_ascii_uppercase(), Operation { body });
    }
    Ok(Route {
        template: template.to_owned(),
        segments,
        operations,
    })
}

pub(super) fn parse_request_body(doc: &Value, body: &Value) -> Result<RequestBody, String> {
    let body = match body.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            resolve(doc, reference).ok_or_else(|| format!("unresolvable {reference}"))?
        }
        None => body,
    };
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .ok_or("requestBody without content")?
        .iter()
        .map(|(media, entry)| {
            let schema = entry.get("schema").cloned().unwrap_or(Value::Bool(true));
            let schema = Schema {
                rewritten: strict::rewrite(doc, &schema, Position::Whole),
                compiled: OnceLock::new(),
            };
            (media.to_ascii_lowercase(), schema)
        })
        .collect();
    Ok(RequestBody {
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content,
    })
}

pub(super) fn resolve<'d>(doc: &'d Value, reference: &str) -> Option<&'d Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Drops an `/api` or `/api/vN` prefix, a query string and a fragment.
pub(super) fn strip_api_prefix(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let Some(after_api) = strip_first_segment(path, |s| s == "api") else {
        return path;
    };
    let is_version = |s: &str| {
        s.strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    strip_first_segment(after_api, is_version).unwrap_or(after_api)
}

/// `path` without its first segment, if that segment satisfies `pred`.
fn strip_first_segment(path: &str, pred: impl Fn(&str) -> bool) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    let (segment, remainder) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    pred(segment).then_some(remainder)
}

pub(super) fn route_matches(route: &Route, segments: &[&str]) -> bool {
    route.segments.len() == segments.len()
        && route
            .segments
            .iter()
            .zip(segments)
            .all(|(pattern, actual)| match pattern {
                Segment::Literal(literal) => literal == actual,
                Segment::Param => !actual.is_empty(),
            })
}

/// Compared lexicographically, this ranks earlier literal segments higher.
pub(super) fn literal_mask(route: &Route) -> Vec<bool> {
    route
        .segments
        .iter()
        .map(|s| matches!(s, Segment::Literal(_)))
        .collect()
}
