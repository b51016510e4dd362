//! Registering the slash commands: one bulk overwrite of the global commands,
//! skipped when the set is unchanged since the last registration (Discord
//! allows 200 command creations a day).

use poise::serenity_prelude as serenity;
use serde_json::{json, Value};

use super::budget::{RestBudget, RouteGroup, Spend};
use super::retry::honouring_rate_limits;
use super::{CommandError, Data};
use crate::app::App;

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
    let text = definitions.to_string();
    let application = http.application_id().map(|id| id.get()).unwrap_or_default();
    if app.registered_commands(application).await?.as_deref() == Some(text.as_str()) {
        tracing::info!("slash commands unchanged; not registering them again");
        return Ok(false);
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let registered = honouring_rate_limits(deadline, || {
        budget.serenity(
            Spend::Request,
            RouteGroup::Commands,
            http.create_global_commands(&definitions),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

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
