//! Registering the slash commands: one bulk overwrite of the global commands,
//! skipped when the set is unchanged since the last registration (Discord
//! allows 200 command creations a day).

use poise::serenity_prelude as serenity;
use serde_json::{json, Value};

use super::budget::{RestBudget, Spend};
use super::retry::honouring_rate_limits;
use super::{CommandError, Data};
use crate::app::App;
use crate::domain::leaderboard::Period;

/// Registers `commands` unless the same set was registered last time.
/// Returns whether it registered.
pub async fn register(
    http: &serenity::Http,
    budget: &RestBudget,
    app: &App,
    commands: &[poise::Command<Data, CommandError>],
) -> anyhow::Result<bool> {
    let mut definitions =
        serde_json::to_value(poise::builtins::create_application_commands(commands))?;
    tidy(&mut definitions);
    add_choices(&mut definitions, app);
    let text = definitions.to_string();
    let application = http.application_id().map(|id| id.get()).unwrap_or_default();
    if app.registered_commands(application).await?.as_deref() == Some(text.as_str()) {
        tracing::info!("slash commands unchanged; not registering them again");
        return Ok(false);
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let registered = honouring_rate_limits(deadline, || {
        budget.serenity(Spend::Request, http.create_global_commands(&definitions))
    })
    .await?;
    app.note_registered_commands(application, text).await?;
    tracing::info!(commands = registered.len(), "slash commands registered");
    Ok(true)
}

/// Drops what serenity serializes but means nothing: nulls, empty lists,
/// `nsfw: false` and `autocomplete: false`; and writes integer bounds as integers (poise makes them
/// floats). Discord ignores the difference, but its API description does not
/// allow the extra fields on every option type (a string option has no
/// `min_value`), and the definitions are compared byte for byte to skip
/// re-registration.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, v| {
                !(v.is_null()
                    || v.as_array().is_some_and(Vec::is_empty)
                    || (matches!(key.as_str(), "nsfw" | "autocomplete")
                        && *v == Value::Bool(false)))
            });
            if map.get("type") == Some(&json!(4)) {
                for bound in ["min_value", "max_value"] {
                    if let Some(whole) = map
                        .get(bound)
                        .and_then(Value::as_f64)
                        .filter(|f| f.fract() == 0.0)
                    {
                        map.insert(bound.to_owned(), json!(whole as i64));
                    }
                }
            }
            map.values_mut().for_each(tidy);
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// String options with a fixed set of values get them as choices (unless
/// they autocomplete instead): the
/// catalog is read at start, so poise's compile-time choices cannot list
/// exercises, and poise would number the others instead of naming them.
fn add_choices(definitions: &mut Value, app: &App) {
    let exercises: Vec<Value> = app
        .catalog
        .iter()
        .map(|e| json!({"name": e.name, "value": e.key.as_str()}))
        .collect();
    let periods: Vec<Value> = Period::ALL
        .iter()
        .map(|p| json!({"name": period_name(*p), "value": p.key()}))
        .collect();
    let metrics = json!([
        {"name": "Points", "value": "points"},
        {"name": "Amount of one exercise", "value": "amount"},
        {"name": "Consistency (prompts answered)", "value": "consistency"},
    ]);
    let on_off = json!([{"name": "on", "value": "on"}, {"name": "off", "value": "off"}]);
    let days: Vec<Value> = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .map(|d| json!({"name": d, "value": &d[..3]}))
    .collect();
    let choices_for = |name: &str| -> Option<Value> {
        match name {
            "exercise" => Some(Value::Array(exercises.clone())),
            "period" => Some(Value::Array(periods.clone())),
            "metric" => Some(metrics.clone()),
            "leaderboard" | "enabled" => Some(on_off.clone()),
            "day" => Some(Value::Array(days.clone())),
            "week" => Some(json!([
                {"name": "This week so far", "value": "this-week"},
                {"name": "Last week", "value": "last-week"},
            ])),
            _ => None,
        }
    };
    fn visit(options: &mut Value, choices_for: &dyn Fn(&str) -> Option<Value>) {
        let Some(options) = options.as_array_mut() else {
            return;
        };
        for option in options {
            // Subcommands (1) and groups (2) hold options of their own.
            if matches!(option["type"].as_u64(), Some(1 | 2)) {
                if let Some(inner) = option.get_mut("options") {
                    visit(inner, choices_for);
                }
                continue;
            }
            // Discord refuses choices on an autocompleted option (a list of
            // exercises is typed, not picked).
            if option["type"] == 3 && option["autocomplete"] != true {
                if let Some(choices) = option["name"].as_str().and_then(choices_for) {
                    option["choices"] = choices;
                }
            }
        }
    }
    let Some(commands) = definitions.as_array_mut() else {
        return;
    };
    for command in commands {
        if let Some(options) = command.get_mut("options") {
            visit(options, &choices_for);
        }
    }
}

fn period_name(period: Period) -> &'static str {
    match period {
        Period::Today => "Today",
        Period::ThisWeek => "This week",
        Period::LastWeek => "Last week",
        Period::ThisMonth => "This month",
        Period::Rolling4Weeks => "Last 4 weeks",
        Period::AllTime => "All time",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn autocompleted_options_get_no_choices() {
        let (app, _clock, _dir) = crate::app::test_support::app_at(chrono::Utc::now()).await;
        let mut definitions = json!([{
            "name": "schedule",
            "options": [{"type": 1, "name": "add", "options": [
                {"type": 3, "name": "exercise", "autocomplete": true},
                {"type": 3, "name": "week"}
            ]}]
        }]);
        let mut choices = definitions.clone();
        add_choices(&mut choices, &app);
        assert_eq!(choices[0]["options"][0]["options"][0].get("choices"), None);
        assert!(choices[0]["options"][0]["options"][1]["choices"].is_array());
        definitions[0]["options"][0]["options"][0]["autocomplete"] = json!(false);
        add_choices(&mut definitions, &app);
        assert!(definitions[0]["options"][0]["options"][0]["choices"].is_array());
    }

    #[test]
    fn meaningless_fields_are_dropped() {
        let mut definitions = json!([{
            "name": "checkin",
            "nsfw": false,
            "options": [
                {"type": 3, "name": "exercise", "min_value": null, "channel_types": [], "choices": [], "options": [], "required": true},
                {"type": 4, "name": "amount", "min_value": 1.0, "max_value": 1000.0, "required": false}
            ]
        }]);
        tidy(&mut definitions);
        assert_eq!(
            definitions,
            json!([{
                "name": "checkin",
                "options": [
                    {"type": 3, "name": "exercise", "required": true},
                    {"type": 4, "name": "amount", "min_value": 1, "max_value": 1000, "required": false}
                ]
            }])
        );
    }
}
