//! The sandbox's terminal transcript: what members would see in the
//! channel, as plain text with timestamps.

use std::io::Write as _;
use std::sync::Mutex;

use serde_json::Value;

use fake_discord::SeenMessage;

/// Prints lines, one speaker at a time.
pub struct Transcript {
    out: Mutex<std::io::Stdout>,
}

impl Transcript {
    pub fn new() -> Self {
        Self {
            out: Mutex::new(std::io::stdout()),
        }
    }

    /// `[hh:mm:ss] who text`, continuation lines indented under the text.
    pub fn say(&self, who: &str, text: &str) {
        let stamp = chrono::Utc::now().format("%H:%M:%S");
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        let mut block = format!("[{stamp}] {who} {first}\n");
        let indent = " ".repeat(11);
        for line in lines {
            block.push_str(&format!("{indent}{line}\n"));
        }
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(block.as_bytes());
        let _ = out.flush();
    }
}

/// A message as text: its content, its embeds (title, description, fields,
/// footer) in a bar, and its buttons.
pub fn render(message: &SeenMessage) -> String {
    let mut lines = Vec::new();
    if !message.content.is_empty() {
        lines.extend(message.content.lines().map(str::to_owned));
    }
    for embed in message.embeds.as_array().into_iter().flatten() {
        lines.extend(embed_lines(embed).into_iter().map(|l| format!("┃ {l}")));
    }
    let buttons: Vec<String> = message
        .components
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| {
            row.get("components")
                .and_then(|c| c.as_array().cloned())
                .unwrap_or_default()
        })
        .filter_map(|b| b.get("label")?.as_str().map(|l| format!("[{l}]")))
        .collect();
    if !buttons.is_empty() {
        lines.push(buttons.join(" "));
    }
    lines.join("\n")
}

/// The lines of an embed.
pub fn embed_lines(embed: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(title) = embed["title"].as_str() {
        lines.push(title.to_owned());
    }
    if let Some(description) = embed["description"].as_str() {
        lines.extend(
            description
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    }
    for field in embed["fields"].as_array().into_iter().flatten() {
        lines.push(format!(
            "{}: {}",
            field["name"].as_str().unwrap_or_default(),
            field["value"].as_str().unwrap_or_default()
        ));
    }
    if let Some(footer) = embed.pointer("/footer/text").and_then(|t| t.as_str()) {
        lines.push(format!("({footer})"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_prompt_reads_as_text_with_its_buttons() {
        let message = SeenMessage {
            id: 1,
            author_id: 2,
            content: "<@&5>".into(),
            embeds: json!([{
                "title": "Time to move: Walk",
                "description": "**10 minutes** of walk.\n\n💡 Take the stairs.",
                "fields": [{"name": "Done so far", "value": "1 teammate did it."}],
                "footer": {"text": "Not medical advice."}
            }]),
            components: json!([{"type": 1, "components": [
                {"type": 2, "label": "Done", "custom_id": "p:1:done"},
                {"type": 2, "label": "Not now", "custom_id": "p:1:notnow"}
            ]}]),
            edited: false,
            ephemeral: false,
            allowed_mentions: None,
            created_ms: 0,
        };
        assert_eq!(
            render(&message),
            "<@&5>\n┃ Time to move: Walk\n┃ **10 minutes** of walk.\n┃ 💡 Take the stairs.\n┃ Done so far: 1 teammate did it.\n┃ (Not medical advice.)\n[Done] [Not now]"
        );
    }
}
