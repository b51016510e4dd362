//! The strict mode's pre-pass: Discord's description rewritten, once, into the
//! JSON Schema that the `jsonschema` crate then checks requests against.
//!
//! Three things the description does not say but the fake needs:
//! - **No unknown fields.** Discord's schemas almost never say
//!   `additionalProperties: false`, and a misspelled field (`colour`,
//!   `contnet`) is exactly the bug that would otherwise pass. Every place a
//!   whole value is checked gets `unevaluatedProperties: false`, which in Draft
//!   2020-12 counts the fields its `$ref`, `allOf` and chosen union branch
//!   know; an `allOf` member is never closed itself, so `allOf` can still
//!   extend an object.
//! - **Unions chosen by `type`.** Discord's `oneOf`s overlap (an empty object
//!   satisfies several message schemas), so they are checked as `anyOf`; and
//!   when every variant pins `type` to constants, only the variants accepting
//!   the value's `type` are tried, so their problems are the ones reported. A
//!   nullable union (`null` or a schema) is `null` or that schema's problems;
//!   a union of constants is an `enum`.
//! - **Snowflakes.** Ids are documented as strings, but Discord accepts
//!   non-negative integers too and serenity sends some (attachment ids) that
//!   way; a string must be a decimal `u64` (the `snowflake` format).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// The URI the rewritten description is registered under; its local `$ref`s
/// are made absolute against it, so a request schema can be compiled alone.
pub(super) const BASE: &str = "https://discord.com/api/v10/openapi.json";

/// The pattern Discord's description gives `SnowflakeType`.
const SNOWFLAKE_PATTERN: &str = "^(0|[1-9][0-9]*)$";

/// Whether a schema sees a whole value, or is one `allOf` member of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Position {
    /// An object here may hold only the fields the schema knows.
    Whole,
    /// The schema that owns the `allOf` closes the object.
    Member,
}

/// `schema` rewritten for the strict check (see the module docs).
pub(super) fn rewrite(doc: &Value, schema: &Value, position: Position) -> Value {
    let Value::Object(node) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in node {
        let rewritten = match key.as_str() {
            "$ref" => match value.as_str() {
                Some(local) if local.starts_with('#') => Value::String(format!("{BASE}{local}")),
                _ => value.clone(),
            },
            "properties" => match value {
                Value::Object(properties) => Value::Object(
                    properties
                        .iter()
                        .map(|(name, p)| (name.clone(), rewrite(doc, p, Position::Whole)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" => rewrite(doc, value, Position::Whole),
            "allOf" => each(value, |member| rewrite(doc, member, Position::Member)),
            "oneOf" | "anyOf" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), rewritten);
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(branches) = node.get(keyword).and_then(Value::as_array) {
            let choice = union(doc, branches);
            match out.get_mut("allOf").and_then(Value::as_array_mut) {
                Some(members) => members.push(choice),
                None => {
                    out.insert("allOf".into(), Value::Array(vec![choice]));
                }
            }
        }
    }
    if is_snowflake(node) {
        out.insert("type".into(), json!(["string", "integer"]));
        out.insert("minimum".into(), json!(0));
        out.insert("format".into(), json!("snowflake"));
    }
    if position == Position::Whole && describes_object(node) {
        out.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

/// Whether a decimal string is a snowflake: a `u64` without leading zeros.
pub(super) fn is_snowflake_text(text: &str) -> bool {
    let decimal = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    decimal && (text == "0" || !text.starts_with('0')) && text.parse::<u64>().is_ok()
}

fn each(value: &Value, f: impl Fn(&Value) -> Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(f).collect()),
        other => other.clone(),
    }
}

/// Whether a schema node describes an object's fields itself. A bare union
/// (`oneOf: [{type: null}, {$ref: ...}]`) leaves that to its branches; an
/// object with `additionalProperties` already says what else it takes.
fn describes_object(node: &Map<String, Value>) -> bool {
    let has = |keyword: &str| node.contains_key(keyword);
    let says_object = match node.get("type") {
        Some(Value::String(name)) => name == "object",
        Some(Value::Array(names)) => names.iter().any(|n| n == "object"),
        _ => false,
    };
    !has("additionalProperties")
        && (has("properties") || has("$ref") || has("allOf") || has("required") || says_object)
}

fn is_snowflake(node: &Map<String, Value>) -> bool {
    let string = node.get("type").and_then(Value::as_str) == Some("string");
    let marked = node.get("format").and_then(Value::as_str) == Some("snowflake")
        || node.get("pattern").and_then(Value::as_str) == Some(SNOWFLAKE_PATTERN);
    string && marked
}

/// One union, as the constraint that replaces it.
fn union(doc: &Value, branches: &[Value]) -> Value {
    if !branches.is_empty() && branches.iter().all(|b| b.get("const").is_some()) {
        let constants: Vec<Value> = branches.iter().map(|b| b["const"].clone()).collect();
        return json!({ "enum": constants });
    }
    let (nulls, others): (Vec<&Value>, Vec<&Value>) =
        branches.iter().partition(|b| admits_null(doc, b));
    if others.is_empty() {
        return json!({ "anyOf": branches });
    }
    let rewritten: Vec<Value> = others
        .iter()
        .map(|b| rewrite(doc, b, Position::Whole))
        .collect();
    let any = |mut schemas: Vec<Value>| match schemas.len() {
        1 => schemas.remove(0),
        _ => json!({ "anyOf": schemas }),
    };
    let choice = match tags(doc, &others) {
        Some(tags) => by_type(&tags, rewritten.clone(), any(rewritten)),
        None => any(rewritten),
    };
    if nulls.is_empty() {
        choice
    } else {
        json!({ "if": { "type": "null" }, "else": choice })
    }
}

/// Tagged variants: for an object with a `type`, only the variants that
/// accept it; otherwise (no `type` to go by) any variant.
fn by_type(tags: &[Vec<Value>], variants: Vec<Value>, fallback: Value) -> Value {
    let mut by_tag: BTreeMap<String, (Value, Vec<Value>)> = BTreeMap::new();
    for (accepted, variant) in tags.iter().zip(variants) {
        for tag in accepted {
            by_tag
                .entry(tag.to_string())
                .or_insert_with(|| (tag.clone(), Vec::new()))
                .1
                .push(variant.clone());
        }
    }
    let known: Vec<Value> = by_tag.values().map(|(tag, _)| tag.clone()).collect();
    let mut selected = vec![json!({ "properties": { "type": { "enum": known } } })];
    for (tag, mut variants) in by_tag.into_values() {
        let then = match variants.len() {
            1 => variants.remove(0),
            _ => json!({ "anyOf": variants }),
        };
        selected.push(json!({
            "if": { "properties": { "type": { "const": tag } } },
            "then": then,
        }));
    }
    json!({
        "if": { "type": "object", "required": ["type"] },
        "then": { "allOf": selected },
        "else": fallback,
    })
}

/// The constants each variant pins `properties.type` to, if every variant
/// does.
fn tags(doc: &Value, variants: &[&Value]) -> Option<Vec<Vec<Value>>> {
    variants
        .iter()
        .map(|variant| {
            flatten(doc, variant).into_iter().find_map(|node| {
                let tag = node.get("properties")?.get("type")?;
                match tag.get("const") {
                    Some(constant) => Some(vec![constant.clone()]),
                    None => Some(tag.get("enum")?.as_array()?.clone()),
                }
            })
        })
        .collect()
}

/// Whether a branch is (or includes) the `null` of a nullable union.
fn admits_null(doc: &Value, branch: &Value) -> bool {
    flatten(doc, branch)
        .iter()
        .any(|n| n.get("type").and_then(Value::as_str) == Some("null"))
}

/// The schema plus everything it pulls in through `$ref` and `allOf`.
fn flatten<'d>(doc: &'d Value, schema: &'d Value) -> Vec<&'d Value> {
    let mut nodes: Vec<&Value> = Vec::new();
    let mut pending = vec![schema];
    while let Some(node) = pending.pop() {
        // A `$ref`/`allOf` cycle adds nothing new.
        if nodes.iter().any(|n| std::ptr::eq(*n, node)) {
            continue;
        }
        nodes.push(node);
        let target = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| doc.pointer(r.strip_prefix('#')?));
        pending.extend(target);
        if let Some(members) = node.get("allOf").and_then(Value::as_array) {
            pending.extend(members);
        }
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflake_text_is_a_decimal_u64_without_leading_zeros() {
        for good in ["0", "1", "1234567890123456789", "18446744073709551615"] {
            assert!(is_snowflake_text(good), "{good}");
        }
        for bad in ["", "01", "12a", "-1", "18446744073709551616", " 1"] {
            assert!(!is_snowflake_text(bad), "{bad}");
        }
    }

    #[test]
    fn an_allof_member_is_not_closed_but_its_owner_is() {
        let doc = json!({});
        let schema =
            json!({"allOf": [{"type": "object", "properties": {"a": {"type": "object"}}}]});
        let out = rewrite(&doc, &schema, Position::Whole);
        assert_eq!(out["unevaluatedProperties"], false);
        let member = &out["allOf"][0];
        assert!(member.get("unevaluatedProperties").is_none(), "{out}");
        // A nested object is a whole value again.
        assert_eq!(member["properties"]["a"]["unevaluatedProperties"], false);
    }
}
