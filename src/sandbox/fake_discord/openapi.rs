//! Checks request bodies against Discord's official OpenAPI 3.1 description.
//!
//! The fake Discord runs every request the bot sends through [`OpenApi::check_request`]
//! so that a test fails as soon as the bot sends something real Discord would reject
//! (or silently ignore). The check is STRICT: an object key that the schema does not
//! list is an error, because Discord's description almost never says
//! `additionalProperties: false`, and a misspelled field (`colour`, `contnet`) is
//! exactly the kind of bug that would otherwise pass unnoticed.
//!
//! Only the JSON Schema keywords the description actually uses are implemented;
//! documentation-only keywords are ignored, and so is `pattern` except for the
//! snowflake pattern (no regex engine needed).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Number, Value};

/// The pattern Discord's description gives `SnowflakeType`; recognised verbatim.
const SNOWFLAKE_PATTERN: &str = "^(0|[1-9][0-9]*)$";

/// How deep schema evaluation may nest. Every value level costs a few schema levels
/// (`$ref`, union, property), and serde_json stops parsing at 128 value levels, so
/// this is only reached by a schema that recurses without consuming the value.
const MAX_DEPTH: usize = 512;

/// The HTTP methods an OpenAPI path item may describe.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A parsed OpenAPI description, ready to check requests against.
#[derive(Debug)]
pub struct OpenApi {
    /// The whole description, kept for resolving `$ref`s.
    doc: Value,
    routes: Vec<Route>,
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

/// One path template with its operations.
#[derive(Debug)]
struct Route {
    template: String,
    segments: Vec<Segment>,
    /// Keyed by upper-case method.
    operations: HashMap<String, Operation>,
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug)]
struct Operation {
    body: Option<RequestBody>,
}

#[derive(Debug)]
struct RequestBody {
    required: bool,
    /// Lower-case media type → schema (`true` when the description gives none).
    content: HashMap<String, Value>,
}

impl OpenApi {
    /// Reads and parses the description file.
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
        Ok(OpenApi { doc, routes })
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

    fn check_json_bytes(&self, schema: &Value, bytes: &[u8]) -> Vec<String> {
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
        form_schema: &Value,
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

    fn check_value(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        Validator { doc: &self.doc }.validate(schema, value, "$", 0, &mut problems);
        problems.iter().map(Problem::to_string).collect()
    }
}

fn parse_route(doc: &Value, template: &str, item: &Value) -> Result<Route, OpenApiError> {
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

fn parse_request_body(doc: &Value, body: &Value) -> Result<RequestBody, String> {
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

fn resolve<'d>(doc: &'d Value, reference: &str) -> Option<&'d Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Drops an `/api` or `/api/vN` prefix, a query string and a fragment.
fn strip_api_prefix(path: &str) -> &str {
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

fn route_matches(route: &Route, segments: &[&str]) -> bool {
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
fn literal_mask(route: &Route) -> Vec<bool> {
    route
        .segments
        .iter()
        .map(|s| matches!(s, Segment::Literal(_)))
        .collect()
}

/// A Content-Type value split into its lower-case essence and parameters.
struct MediaType {
    essence: String,
    params: Vec<(String, String)>,
}

impl MediaType {
    fn parse(value: &str) -> MediaType {
        let (essence, rest) = value.split_once(';').unwrap_or((value, ""));
        MediaType {
            essence: essence.trim().to_ascii_lowercase(),
            params: header_params(rest),
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `; key=value; key="quoted; value"` header parameters.
fn header_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // Skip separators and whitespace up to the next key.
        while chars.next_if(|c| *c == ';' || c.is_whitespace()).is_some() {}
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            return params;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        }
        value.extend(chars.by_ref().take_while(|c| *c != ';'));
        params.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
}

/// One part of a multipart/form-data body.
#[derive(Debug)]
struct Part<'b> {
    name: String,
    filename: Option<String>,
    data: &'b [u8],
}

/// A small RFC 7578 parser: enough to find the parts, their names and bytes.
fn parse_multipart<'b>(body: &'b [u8], boundary: &str) -> Result<Vec<Part<'b>>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut pos = find(body, &delimiter, 0).ok_or("no opening boundary")?;
    let mut parts = Vec::new();
    loop {
        pos += delimiter.len();
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        let line_end = find(body, b"\r\n", pos).ok_or("boundary line not terminated")?;
        if !body[pos..line_end]
            .iter()
            .all(|b| *b == b' ' || *b == b'\t')
        {
            return Err("text after a boundary".into());
        }
        let start = line_end + 2;
        let end = find(body, &next_delimiter, start).ok_or("part not closed by a boundary")?;
        parts.push(parse_part(&body[start..end])?);
        pos = end + 2;
    }
}

fn parse_part(raw: &[u8]) -> Result<Part<'_>, String> {
    let (head, data) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else {
        let split =
            find(raw, b"\r\n\r\n", 0).ok_or("part without a blank line after its headers")?;
        (&raw[..split], &raw[split + 4..])
    };
    let head = std::str::from_utf8(head).map_err(|_| "part headers are not UTF-8")?;
    let disposition = head
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-disposition"))
        .map(|(_, value)| MediaType::parse(value))
        .ok_or("part without Content-Disposition")?;
    if disposition.essence != "form-data" {
        return Err(format!(
            "part disposition is {:?}, not form-data",
            disposition.essence
        ));
    }
    let name = disposition
        .param("name")
        .ok_or("part without a name")?
        .to_owned();
    Ok(Part {
        name,
        filename: disposition.param("filename").map(str::to_owned),
        data,
    })
}

/// The parts of a form as an object of strings (file contents left out).
fn form_fields(parts: &[Part<'_>]) -> Value {
    let fields = parts.iter().map(|part| {
        let text = match part.filename {
            Some(_) => String::new(),
            None => String::from_utf8_lossy(part.data).into_owned(),
        };
        (part.name.clone(), Value::String(text))
    });
    Value::Object(fields.collect())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A problem found at a JSONPath.
#[derive(Debug)]
struct Problem {
    path: String,
    message: String,
    /// The value has the wrong JSON type: the schema does not fit it at all.
    wrong_type: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn problem(path: &str, message: impl Into<String>) -> Problem {
    Problem {
        path: path.to_owned(),
        message: message.into(),
        wrong_type: false,
    }
}

/// `path.key`, or `path["key"]` when the key is not a plain identifier.
fn child_key(path: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_owned()))
    }
}

/// Schema evaluation over the description's JSON.
struct Validator<'s> {
    doc: &'s Value,
}

/// What a union's `type` discriminator says about its branches.
enum Selection<'s> {
    /// The branches are not all tagged by a `type` constant, or the value has no `type`.
    NotApplicable,
    /// The branches whose tag accepts the value's `type`.
    Selected(Vec<&'s Value>),
    /// Tagged branches, none accepting the value's `type`.
    NoMatch,
}

impl<'s> Validator<'s> {
    fn validate(
        &self,
        schema: &'s Value,
        value: &Value,
        path: &str,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if depth > MAX_DEPTH {
            out.push(problem(path, "schema nesting too deep (recursive $ref?)"));
            return;
        }
        let nodes = match self.flatten(schema) {
            Ok(nodes) => nodes,
            Err(reference) => {
                out.push(problem(path, format!("unresolvable $ref {reference}")));
                return;
            }
        };
        for node in &nodes {
            self.check_node(node, value, path, depth, out);
        }
        if let Value::Object(map) = value {
            if object_rules_apply(&nodes) {
                self.check_object(&nodes, map, path, depth, out);
            }
        }
    }

    /// The schema plus everything it pulls in through `$ref` and `allOf`. Checking
    /// object keys against this whole set (not member by member) is what lets
    /// `allOf` extend an object without its extra fields counting as unknown.
    fn flatten(&self, schema: &'s Value) -> Result<Vec<&'s Value>, String> {
        let mut nodes = Vec::new();
        self.flatten_into(schema, &mut nodes)?;
        Ok(nodes)
    }

    fn flatten_into(&self, schema: &'s Value, nodes: &mut Vec<&'s Value>) -> Result<(), String> {
        // Already collected: a `$ref`/`allOf` cycle adds nothing new.
        if nodes.iter().any(|n| std::ptr::eq(*n, schema)) {
            return Ok(());
        }
        nodes.push(schema);
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let target = resolve(self.doc, reference).ok_or_else(|| reference.to_owned())?;
            self.flatten_into(target, nodes)?;
        }
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.flatten_into(member, nodes)?;
        }
        Ok(())
    }

    /// Every keyword of one schema node except the object ones (see `check_object`).
    fn check_node(
        &self,
        node: &'s Value,
        value: &Value,
        path: &str,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        let node = match node {
            Value::Object(node) => node,
            Value::Bool(false) => {
                out.push(problem(path, "no value is allowed here"));
                return;
            }
            _ => return,
        };
        if let Err(message) = check_type(node, value) {
            // The remaining keywords would only repeat the mismatch.
            out.push(Problem {
                wrong_type: true,
                ..problem(path, message)
            });
            return;
        }
        if let Some(allowed) = node.get("enum").and_then(Value::as_array) {
            if !allowed.iter().any(|a| json_eq(a, value)) {
                out.push(problem(
                    path,
                    format!("expected one of {}, found {value}", list(allowed)),
                ));
            }
        }
        if let Some(expected) = node.get("const") {
            if !json_eq(expected, value) {
                out.push(problem(path, format!("expected {expected}, found {value}")));
            }
        }
        match value {
            Value::String(s) => check_string(node, s, path, out),
            Value::Number(n) => check_number(node, n, path, out),
            Value::Array(items) => self.check_array(node, items, path, depth, out),
            _ => {}
        }
        // Discord marks unions as either; both are checked as anyOf because its
        // variants overlap (an empty object satisfies several message schemas).
        for keyword in ["oneOf", "anyOf"] {
            if let Some(branches) = node.get(keyword).and_then(Value::as_array) {
                self.check_union(branches, value, path, depth, out);
            }
        }
    }

    fn check_array(
        &self,
        node: &'s Map<String, Value>,
        items: &[Value],
        path: &str,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if let Some(min) = node.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < min {
                out.push(problem(
                    path,
                    format!("fewer than minItems {min} items ({})", items.len()),
                ));
            }
        }
        if let Some(max) = node.get("maxItems").and_then(Value::as_u64) {
            if items.len() as u64 > max {
                out.push(problem(
                    path,
                    format!("more than maxItems {max} items ({})", items.len()),
                ));
            }
        }
        if let Some(item_schema) = node.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.validate(item_schema, item, &format!("{path}[{i}]"), depth + 1, out);
            }
        }
    }

    /// Object keywords, merged over every node of a flattened schema.
    fn check_object(
        &self,
        nodes: &[&'s Value],
        map: &Map<String, Value>,
        path: &str,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        let mut properties: Vec<(&str, &'s Value)> = Vec::new();
        let mut required: Vec<&str> = Vec::new();
        let mut additional: Vec<&'s Value> = Vec::new();
        for node in nodes {
            if let Some(props) = node.get("properties").and_then(Value::as_object) {
                properties.extend(props.iter().map(|(k, v)| (k.as_str(), v)));
            }
            let names = node
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            required.extend(names.filter_map(Value::as_str));
            match node.get("additionalProperties") {
                None | Some(Value::Bool(false)) => {}
                Some(extra) => additional.push(extra),
            }
            check_property_count(node, map.len(), path, out);
        }
        for (key, value) in map {
            let key_path = child_key(path, key);
            let mut known = false;
            for (_, schema) in properties.iter().filter(|(name, _)| *name == key) {
                known = true;
                self.validate(schema, value, &key_path, depth + 1, out);
            }
            if known {
                continue;
            }
            if additional.is_empty() {
                out.push(problem(&key_path, "unknown field"));
            }
            for schema in &additional {
                self.validate(schema, value, &key_path, depth + 1, out);
            }
        }
        required.sort_unstable();
        required.dedup();
        for name in required.into_iter().filter(|name| !map.contains_key(*name)) {
            out.push(problem(&child_key(path, name), "missing required field"));
        }
    }

    /// anyOf semantics, with a shortcut for Discord's tagged unions: when every
    /// variant pins `type` to constants, only the variants accepting the value's
    /// `type` are tried, so their problems are the ones reported.
    fn check_union(
        &self,
        branches: &'s [Value],
        value: &Value,
        path: &str,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if let Some(constants) = const_branches(branches) {
            if !constants.iter().any(|c| json_eq(c, value)) {
                let listed: Vec<String> = constants.iter().map(ToString::to_string).collect();
                out.push(problem(
                    path,
                    format!("expected one of {}, found {value}", listed.join(", ")),
                ));
            }
            return;
        }
        let candidates = match self.select_by_type(branches, value) {
            Selection::NotApplicable => branches.iter().collect(),
            Selection::Selected(selected) => selected,
            Selection::NoMatch => {
                let tag = value.get("type").unwrap_or(&Value::Null);
                out.push(problem(
                    &child_key(path, "type"),
                    format!("no variant with type {tag}"),
                ));
                return;
            }
        };
        let mut closest: Option<Vec<Problem>> = None;
        for branch in candidates {
            let mut problems = Vec::new();
            self.validate(branch, value, path, depth + 1, &mut problems);
            if problems.is_empty() {
                return;
            }
            let better = match &closest {
                Some(best) => closeness(&problems, path) < closeness(best, path),
                None => true,
            };
            if better {
                closest = Some(problems);
            }
        }
        out.extend(closest.unwrap_or_default());
    }

    fn select_by_type(&self, branches: &'s [Value], value: &Value) -> Selection<'s> {
        let Some(tag) = value.as_object().and_then(|m| m.get("type")) else {
            return Selection::NotApplicable;
        };
        let mut tagged = 0;
        let mut selected = Vec::new();
        for branch in branches {
            let Ok(nodes) = self.flatten(branch) else {
                return Selection::NotApplicable;
            };
            if nodes
                .iter()
                .any(|n| n.get("type").and_then(Value::as_str) == Some("null"))
            {
                continue;
            }
            let Some(accepted) = nodes.iter().find_map(|n| type_tags(n)) else {
                return Selection::NotApplicable;
            };
            tagged += 1;
            if accepted.iter().any(|a| json_eq(a, tag)) {
                selected.push(branch);
            }
        }
        match (tagged, selected.is_empty()) {
            (0, _) => Selection::NotApplicable,
            (_, true) => Selection::NoMatch,
            (_, false) => Selection::Selected(selected),
        }
    }
}

/// The constants a variant's `properties.type` is pinned to, if it is.
fn type_tags(node: &Value) -> Option<Vec<&Value>> {
    let tag_schema = node.get("properties")?.get("type")?;
    if let Some(constant) = tag_schema.get("const") {
        return Some(vec![constant]);
    }
    Some(tag_schema.get("enum")?.as_array()?.iter().collect())
}

/// The constants of a union whose every branch is just a `const` (how the
/// description spells enums such as button styles), for a one-line message.
fn const_branches(branches: &[Value]) -> Option<Vec<&Value>> {
    if branches.is_empty() {
        return None;
    }
    branches.iter().map(|b| b.get("const")).collect()
}

/// Ranks a failed branch, lower is closer: a branch whose type does not fit the
/// value at all (typically the `null` half of a nullable union) is the last resort;
/// then problems at the union's own path (wrong constant, say) count against it
/// more than deeper ones, which mean it fit the value but details are wrong.
fn closeness(problems: &[Problem], path: &str) -> (usize, usize, usize) {
    let shallow = || problems.iter().filter(|p| p.path == path);
    let wrong_type = shallow().filter(|p| p.wrong_type).count();
    (wrong_type, shallow().count(), problems.len())
}

/// Whether a flattened schema describes the object itself. A bare union
/// (`oneOf: [{type: null}, {$ref: ...}]`) leaves that to its branches; checking
/// keys at the union's level would call every field unknown.
fn object_rules_apply(nodes: &[&Value]) -> bool {
    let has = |keyword: &str| nodes.iter().any(|n| n.get(keyword).is_some());
    let declares_fields = has("properties") || has("additionalProperties");
    let is_union = has("oneOf") || has("anyOf");
    let says_object = nodes.iter().any(|n| {
        n.as_object()
            .is_some_and(|n| type_names(n).contains(&"object"))
    });
    declares_fields || (!is_union && (says_object || has("required")))
}

fn type_names(node: &Map<String, Value>) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn check_type(node: &Map<String, Value>, value: &Value) -> Result<(), String> {
    let names = type_names(node);
    // Discord documents ids as strings but accepts them as numbers too, and serenity
    // sends some (attachment ids) that way.
    let snowflake_number = is_snowflake(node) && value.is_u64();
    if names.is_empty() || snowflake_number || names.iter().any(|name| type_matches(name, value)) {
        Ok(())
    } else {
        Err(format!(
            "expected {}, found {}",
            names.join(" or "),
            kind(value)
        ))
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        // Not a JSON Schema type name: nothing to hold the value to.
        _ => true,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_snowflake(node: &Map<String, Value>) -> bool {
    node.get("format").and_then(Value::as_str) == Some("snowflake")
        || node.get("pattern").and_then(Value::as_str) == Some(SNOWFLAKE_PATTERN)
}

fn check_string(node: &Map<String, Value>, s: &str, path: &str, out: &mut Vec<Problem>) {
    let length = s.chars().count() as u64;
    if let Some(min) = node.get("minLength").and_then(Value::as_u64) {
        if length < min {
            out.push(problem(
                path,
                format!("shorter than minLength {min} ({length} chars)"),
            ));
        }
    }
    if let Some(max) = node.get("maxLength").and_then(Value::as_u64) {
        if length > max {
            out.push(problem(
                path,
                format!("longer than maxLength {max} ({length} chars)"),
            ));
        }
    }
    // A snowflake is a decimal u64 without leading zeros; other patterns would
    // need a regex engine and are left unchecked.
    let decimal = s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if is_snowflake(node) && !(decimal && s.parse::<u64>().is_ok()) {
        out.push(problem(path, format!("{s:?} is not a snowflake")));
    }
}

fn check_number(node: &Map<String, Value>, n: &Number, path: &str, out: &mut Vec<Problem>) {
    // Only the 2020-12 numeric forms of the exclusive bounds; a boolean there is
    // the draft-4 spelling, which `Value::as_number` skips.
    let bound = |keyword: &str| node.get(keyword).and_then(Value::as_number);
    let mut check = |keyword: &str, fails: fn(Ordering) -> bool, message: &str| {
        if let Some(limit) = bound(keyword) {
            if compare_numbers(n, limit).is_some_and(fails) {
                out.push(problem(path, format!("{n} is {message} {limit}")));
            }
        }
    };
    check("minimum", Ordering::is_lt, "less than minimum");
    check("maximum", Ordering::is_gt, "greater than maximum");
    check(
        "exclusiveMinimum",
        Ordering::is_le,
        "not greater than exclusiveMinimum",
    );
    check(
        "exclusiveMaximum",
        Ordering::is_ge,
        "not less than exclusiveMaximum",
    );
}

fn check_property_count(node: &Value, count: usize, path: &str, out: &mut Vec<Problem>) {
    let count = count as u64;
    if let Some(min) = node.get("minProperties").and_then(Value::as_u64) {
        if count < min {
            out.push(problem(
                path,
                format!("fewer than minProperties {min} fields ({count})"),
            ));
        }
    }
    if let Some(max) = node.get("maxProperties").and_then(Value::as_u64) {
        if count > max {
            out.push(problem(
                path,
                format!("more than maxProperties {max} fields ({count})"),
            ));
        }
    }
}

/// Compares exactly when both are integers (bounds such as `i64::MIN` do not
/// survive a trip through f64), else as floats.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    let exact = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// JSON equality in which `1` and `1.0` are the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn list(values: &[Value]) -> String {
    let shown: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("[{}]", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::OnceLock;

    /// Discord's description: from `SECONDHEART_DISCORD_OPENAPI`, else the
    /// shared copy beside the repository. `None` when it is missing and
    /// `SECONDHEART_REQUIRE_OPENAPI` is not set.
    fn loaded() -> Option<&'static OpenApi> {
        static SPEC: OnceLock<Option<OpenApi>> = OnceLock::new();
        SPEC.get_or_init(|| {
            let path = std::env::var_os("SECONDHEART_DISCORD_OPENAPI")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/discord/openapi.json")
                });
            match OpenApi::load(&path) {
                Ok(api) => Some(api),
                Err(error)
                    if std::env::var("SECONDHEART_REQUIRE_OPENAPI").is_ok_and(|v| v == "1") =>
                {
                    panic!("Discord's OpenAPI description is required: {error}")
                }
                Err(_) => None,
            }
        })
        .as_ref()
    }

    /// Whether this test must be skipped for want of the description; says
    /// so loudly.
    fn skipped() -> bool {
        static SAID: std::sync::Once = std::sync::Once::new();
        let missing = loaded().is_none();
        if missing {
            // Straight to stderr: the test harness captures eprintln!.
            SAID.call_once(|| {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "!!!!! Discord's OpenAPI description is missing: the openapi checks are NOT run !!!!!"
                );
            });
        }
        missing
    }

    fn spec() -> &'static OpenApi {
        loaded().expect("callers check skipped() first")
    }

    fn check_json(method: &str, path: &str, body: &Value) -> Result<(), Violation> {
        let bytes = serde_json::to_vec(body).expect("serialisable");
        spec().check_request(method, path, Some("application/json"), &bytes)
    }

    fn rejection(method: &str, path: &str, body: &Value) -> String {
        match check_json(method, path, body) {
            Ok(()) => panic!("{method} {path} {body} was accepted"),
            Err(violation) => violation.to_string(),
        }
    }

    fn message() -> Value {
        json!({
            "content": "Time to move!",
            "embeds": [{
                "title": "Calf raises",
                "description": "Twenty of them",
                "color": 0x2f_80_ed,
                "fields": [{"name": "Streak", "value": "3 days", "inline": true}]
            }],
            "components": [{
                "type": 1,
                "components": [{"type": 2, "style": 1, "custom_id": "done", "label": "Done"}]
            }],
            "allowed_mentions": {"parse": []},
            "nonce": "12345",
            "enforce_nonce": true
        })
    }

    const MESSAGES: &str = "/api/v10/channels/123/messages";

    #[test]
    fn valid_message_passes() {
        if skipped() {
            return;
        }
        check_json("POST", MESSAGES, &message()).unwrap();
    }

    #[test]
    fn misspelled_embed_field_fails_with_its_path() {
        if skipped() {
            return;
        }
        let mut body = message();
        body["embeds"][0]["colour"] = json!(1);
        let text = rejection("POST", MESSAGES, &body);
        assert!(
            text.starts_with("POST /channels/{channel_id}/messages: "),
            "{text}"
        );
        assert!(text.contains("$.embeds[0].colour: unknown field"), "{text}");
    }

    #[test]
    fn misspelled_top_level_field_fails() {
        if skipped() {
            return;
        }
        let mut body = message();
        body["contnet"] = json!("hi");
        let text = rejection("POST", MESSAGES, &body);
        assert!(text.contains("$.contnet: unknown field"), "{text}");
    }

    #[test]
    fn wrong_type_fails() {
        if skipped() {
            return;
        }
        let mut body = message();
        body["content"] = json!(5);
        let text = rejection("POST", MESSAGES, &body);
        assert!(
            text.contains("$.content: expected string or null, found number"),
            "{text}"
        );
    }

    #[test]
    fn bad_button_style_and_missing_required_field_fail() {
        if skipped() {
            return;
        }
        let mut body = message();
        body["components"][0]["components"][0]["style"] = json!(9);
        body["embeds"][0]["fields"][0] = json!({"name": "x"});
        let violation = check_json("POST", MESSAGES, &body).unwrap_err();
        let text = violation.to_string();
        assert!(
            text.contains("$.components[0].components[0].style: expected one of 1, 2"),
            "{text}"
        );
        assert!(
            text.contains("$.embeds[0].fields[0].value: missing required field"),
            "{text}"
        );
        assert_eq!(violation.problems.len(), 2, "{text}");
    }

    #[test]
    fn nullable_union_reports_the_non_null_branch() {
        if skipped() {
            return;
        }
        let body = json!({"allowed_mentions": {"parse": ["user"]}});
        let text = rejection("POST", MESSAGES, &body);
        assert!(
            text.contains(r#"$.allowed_mentions.parse[0]: expected one of "users", "roles", "everyone", found "user""#),
            "{text}"
        );
        assert!(!text.contains("null"), "{text}");
    }

    #[test]
    fn string_limits_are_enforced() {
        if skipped() {
            return;
        }
        let body = json!({"content": "x".repeat(4001)});
        let text = rejection("POST", MESSAGES, &body);
        assert!(
            text.contains("$.content: longer than maxLength 4000"),
            "{text}"
        );
        check_json("POST", MESSAGES, &json!({"content": "é".repeat(4000)})).unwrap();
    }

    const CALLBACK: &str = "/api/v10/interactions/111/tok-en/callback";

    #[test]
    fn interaction_callback_passes() {
        if skipped() {
            return;
        }
        let body = json!({"type": 4, "data": {"content": "hi", "flags": 64, "allowed_mentions": {"parse": []}}});
        check_json("POST", CALLBACK, &body).unwrap();
        check_json("POST", CALLBACK, &json!({"type": 5})).unwrap();
    }

    #[test]
    fn interaction_callback_union_is_selected_by_type() {
        if skipped() {
            return;
        }
        let text = rejection(
            "POST",
            CALLBACK,
            &json!({"type": 4, "data": {"contnet": "hi"}}),
        );
        assert!(text.contains("$.data.contnet: unknown field"), "{text}");
        // Only the CHANNEL_MESSAGE_WITH_SOURCE variant's problems are reported.
        assert!(!text.contains("$.type"), "{text}");
    }

    #[test]
    fn interaction_callback_unknown_type_fails() {
        if skipped() {
            return;
        }
        let text = rejection("POST", CALLBACK, &json!({"type": 99}));
        assert!(text.contains("$.type: no variant with type 99"), "{text}");
    }

    fn commands() -> Value {
        json!([{
            "name": "remind",
            "description": "Set up reminders",
            "type": 1,
            "options": [
                {
                    "type": 3, "name": "kind", "description": "What to do", "required": true,
                    "choices": [{"name": "Calf raises", "value": "calf"}, {"name": "Walk", "value": "walk"}]
                },
                {"type": 4, "name": "minutes", "description": "Interval", "min_value": 5, "max_value": 240}
            ]
        }])
    }

    const COMMANDS: &str = "/api/v10/applications/1/commands";

    #[test]
    fn command_overwrite_passes() {
        if skipped() {
            return;
        }
        check_json("PUT", COMMANDS, &commands()).unwrap();
    }

    #[test]
    fn unknown_option_field_fails() {
        if skipped() {
            return;
        }
        let mut body = commands();
        body[0]["options"][1]["max_valeu"] = json!(10);
        let text = rejection("PUT", COMMANDS, &body);
        assert!(
            text.contains("$[0].options[1].max_valeu: unknown field"),
            "{text}"
        );
    }

    #[test]
    fn literal_segment_beats_parameter() {
        if skipped() {
            return;
        }
        let path = "/api/v10/webhooks/1/tok/messages/@original";
        let err = spec().check_request("PATCH", path, Some("application/json"), b"{\"contnet\":1}");
        assert_eq!(
            err.unwrap_err().operation,
            "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original"
        );
        let other = spec().check_request(
            "PATCH",
            "/api/v10/webhooks/1/tok/messages/2",
            Some("application/json"),
            b"{\"x\":1}",
        );
        assert_eq!(
            other.unwrap_err().operation,
            "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
        );
        spec()
            .check_request(
                "PATCH",
                path,
                Some("application/json; charset=utf-8"),
                b"{\"content\":\"edited\"}",
            )
            .unwrap();
    }

    fn multipart(payload: &Value) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n",
        );
        body.extend_from_slice(b"Content-Type: application/json\r\n\r\n");
        body.extend_from_slice(payload.to_string().as_bytes());
        body.extend_from_slice(b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.png\"\r\n");
        body.extend_from_slice(
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n--X\r\n\x00\r\n--XyZ--\r\n",
        );
        body
    }

    #[test]
    fn multipart_payload_json_is_checked() {
        if skipped() {
            return;
        }
        let content_type = Some("multipart/form-data; boundary=\"XyZ\"");
        let mut payload = message();
        payload["attachments"] = json!([{"id": 0, "filename": "a.png"}]);
        spec()
            .check_request("POST", MESSAGES, content_type, &multipart(&payload))
            .unwrap();

        payload["embeds"][0]["colour"] = json!(1);
        let err = spec()
            .check_request("POST", MESSAGES, content_type, &multipart(&payload))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("$.embeds[0].colour: unknown field"),
            "{err}"
        );
    }

    #[test]
    fn malformed_multipart_fails() {
        if skipped() {
            return;
        }
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{}";
        let err = spec()
            .check_request(
                "POST",
                MESSAGES,
                Some("multipart/form-data; boundary=XyZ"),
                body,
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("malformed multipart body"),
            "{err}"
        );
    }

    #[test]
    fn bodiless_operation_needs_an_empty_body() {
        if skipped() {
            return;
        }
        spec()
            .check_request("GET", "/api/v10/gateway", None, b"")
            .unwrap();
        spec()
            .check_request("GET", "/api/v10/gateway?v=10", None, b" \n")
            .unwrap();
        let err = spec()
            .check_request("GET", "/api/v10/gateway", Some("application/json"), b"{}")
            .unwrap_err();
        assert!(err.to_string().contains("takes no request body"), "{err}");
    }

    #[test]
    fn unknown_routes_and_methods_fail() {
        if skipped() {
            return;
        }
        let err = spec()
            .check_request("POST", "/api/v10/nothing/here", None, b"")
            .unwrap_err();
        assert_eq!(err.operation, "POST /nothing/here");
        assert!(err.to_string().contains("no such operation"), "{err}");
        let err = spec()
            .check_request("DELETE", "/api/v10/gateway", None, b"")
            .unwrap_err();
        assert_eq!(err.operation, "DELETE /gateway");
    }

    #[test]
    fn body_problems_fail() {
        if skipped() {
            return;
        }
        let missing = spec()
            .check_request("POST", MESSAGES, Some("application/json"), b"")
            .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("missing required request body"),
            "{missing}"
        );
        let garbage = spec()
            .check_request("POST", MESSAGES, Some("application/json"), b"{nope")
            .unwrap_err();
        assert!(
            garbage.to_string().contains("body is not JSON"),
            "{garbage}"
        );
    }

    #[test]
    fn snowflakes_accept_decimal_strings_and_non_negative_integers() {
        if skipped() {
            return;
        }
        for id in [json!(0), json!("0"), json!("1234567890123456789")] {
            let body = json!({"attachments": [{"id": id, "filename": "a.png"}]});
            check_json("POST", MESSAGES, &body).unwrap();
        }
        for id in [
            json!(-1),
            json!("01"),
            json!("12a"),
            json!("99999999999999999999"),
        ] {
            let body = json!({"attachments": [{"id": id, "filename": "a.png"}]});
            let text = rejection("POST", MESSAGES, &body);
            assert!(text.contains("$.attachments[0].id"), "{text}");
        }
    }

    #[test]
    fn allof_merges_properties_and_required() {
        let doc = json!({
            "openapi": "3.1.0",
            "paths": {"/things": {"post": {"requestBody": {"required": true, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
            }}}}},
            "components": {"schemas": {
                "Base": {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]},
                "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"},
                                    {"type": "object", "properties": {"name": {"type": "string"}}}]}
            }}
        });
        let api = OpenApi::from_value(doc).unwrap();
        let check = |body: &str| {
            api.check_request("POST", "/things", Some("application/json"), body.as_bytes())
        };
        check(r#"{"id": 1, "name": "x"}"#).unwrap();
        let err = check(r#"{"name": "x", "nmae": 1}"#).unwrap_err();
        assert_eq!(
            err.problems,
            vec!["$.nmae: unknown field", "$.id: missing required field"]
        );
        let err = check(r#"{"id": 0}"#).unwrap_err();
        assert_eq!(err.problems, vec!["$.id: 0 is less than minimum 1"]);
    }

    #[test]
    fn broken_descriptions_are_rejected() {
        assert!(matches!(
            OpenApi::from_value(json!({"paths": {}})),
            Err(OpenApiError::NotOpenApi(_))
        ));
        let dangling =
            json!({"openapi": "3.1.0", "paths": {}, "x": {"$ref": "#/components/schemas/Nope"}});
        let err = OpenApi::from_value(dangling).unwrap_err();
        assert!(
            err.to_string().contains("#/components/schemas/Nope"),
            "{err}"
        );
        let missing = OpenApi::load(Path::new("/nonexistent/openapi.json")).unwrap_err();
        assert!(matches!(missing, OpenApiError::Read { .. }), "{missing}");
    }

    #[test]
    fn openapi_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<OpenApi>();
    }
}
