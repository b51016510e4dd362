//! The strict check of request bodies against Discord's description: what
//! it lets through and what it stops, with the path of the offending value.

use std::path::Path;

use fake_discord::openapi::{OpenApi, OpenApiError, Violation};
use serde_json::{json, Value};

fn spec() -> &'static OpenApi {
    OpenApi::discord()
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
    check_json("POST", MESSAGES, &message()).unwrap();
}

#[test]
fn misspelled_embed_field_fails_with_its_path() {
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
fn unknown_field_inside_a_tagged_component_fails() {
    let mut body = message();
    body["components"][0]["components"][0]["custom_idd"] = json!("x");
    let text = rejection("POST", MESSAGES, &body);
    assert!(
        text.contains("$.components[0].components[0].custom_idd: unknown field"),
        "{text}"
    );
}

#[test]
fn misspelled_top_level_field_fails() {
    let mut body = message();
    body["contnet"] = json!("hi");
    let text = rejection("POST", MESSAGES, &body);
    assert!(text.contains("$.contnet: unknown field"), "{text}");
}

#[test]
fn wrong_type_fails() {
    let mut body = message();
    body["content"] = json!(5);
    let text = rejection("POST", MESSAGES, &body);
    assert!(
        text.contains("$.content: 5 is not of types \"null\", \"string\""),
        "{text}"
    );
}

#[test]
fn bad_button_style_and_missing_required_field_fail() {
    let mut body = message();
    body["components"][0]["components"][0]["style"] = json!(9);
    body["embeds"][0]["fields"][0] = json!({"name": "x"});
    let violation = check_json("POST", MESSAGES, &body).unwrap_err();
    let text = violation.to_string();
    assert!(
        text.contains("$.components[0].components[0].style: 9 is not one of 1, 2"),
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
    let body = json!({"allowed_mentions": {"parse": ["user"]}});
    let text = rejection("POST", MESSAGES, &body);
    assert!(
        text.contains(
            r#"$.allowed_mentions.parse[0]: "user" is not one of "users", "roles" or "everyone""#
        ),
        "{text}"
    );
    assert!(!text.contains("null"), "{text}");
}

#[test]
fn string_limits_are_enforced() {
    let body = json!({"content": "x".repeat(4001)});
    let text = rejection("POST", MESSAGES, &body);
    assert!(
        text.contains("$.content: value is longer than 4000 characters"),
        "{text}"
    );
    check_json("POST", MESSAGES, &json!({"content": "é".repeat(4000)})).unwrap();
}

const CALLBACK: &str = "/api/v10/interactions/111/tok-en/callback";

#[test]
fn interaction_callback_passes() {
    let body = json!({"type": 4, "data": {"content": "hi", "flags": 64, "allowed_mentions": {"parse": []}}});
    check_json("POST", CALLBACK, &body).unwrap();
    check_json("POST", CALLBACK, &json!({"type": 5})).unwrap();
}

#[test]
fn interaction_callback_union_is_selected_by_type() {
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
    let text = rejection("POST", CALLBACK, &json!({"type": 99}));
    assert!(text.contains("$.type: 99 is not one of"), "{text}");
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
    check_json("PUT", COMMANDS, &commands()).unwrap();
}

#[test]
fn unknown_option_field_fails() {
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
    body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n");
    body.extend_from_slice(b"Content-Type: application/json\r\n\r\n");
    body.extend_from_slice(payload.to_string().as_bytes());
    body.extend_from_slice(
        b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.png\"\r\n",
    );
    body.extend_from_slice(b"Content-Type: image/png\r\n\r\n\x89PNG\r\n--X\r\n\x00\r\n--XyZ--\r\n");
    body
}

#[test]
fn multipart_payload_json_is_checked() {
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
    assert_eq!(err.problems, vec!["$.id: 0 is less than the minimum of 1"]);
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
