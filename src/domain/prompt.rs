//! Prompts as members meet them: the buttons on a prompt, the ids those
//! buttons carry, the nonce a post goes out with, and which tip it shows.
//!
//! A button's `custom_id` comes back from Discord in every click. It is
//! untrusted input (a modified client can send any string), so it carries
//! ids only and is parsed strictly; what it names is then checked against
//! the store, scoped by the server the click came from.

use super::{OccurrenceId, ScheduleId};

/// What a prompt's buttons do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromptAction {
    /// Logs the exercise's default amount.
    Done,
    /// Logs twice the default amount.
    DoneTwice,
    /// A private reminder a few minutes later.
    Snooze,
    /// Seen, not done.
    NotNow,
}

impl PromptAction {
    pub const ALL: [PromptAction; 4] = [
        PromptAction::Done,
        PromptAction::DoneTwice,
        PromptAction::Snooze,
        PromptAction::NotNow,
    ];

    /// The action's name in a `custom_id`, and in metrics.
    pub fn code(self) -> &'static str {
        match self {
            PromptAction::Done => "done",
            PromptAction::DoneTwice => "done2",
            PromptAction::Snooze => "snooze",
            PromptAction::NotNow => "notnow",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// Which prompt a button belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromptRef {
    /// A scheduled prompt: one occurrence.
    Occurrence(OccurrenceId),
    /// A `/schedule test` prompt of this schedule: nothing is counted.
    Test(ScheduleId),
}

/// A button of a prompt, as its `custom_id` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PromptButton {
    pub prompt: PromptRef,
    pub action: PromptAction,
}

/// A `custom_id` that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a prompt button")]
pub struct ForeignButton(pub String);

impl PromptButton {
    /// The `custom_id`: `p:<occurrence>:<action>` or `t:<schedule>:<action>`.
    /// Short and id-only; Discord allows 100 characters.
    pub fn custom_id(self) -> String {
        let (kind, id) = match self.prompt {
            PromptRef::Occurrence(o) => ("p", o.0),
            PromptRef::Test(s) => ("t", s.0),
        };
        format!("{kind}:{id}:{}", self.action.code())
    }

    /// Parses a `custom_id` strictly: the exact form [`custom_id`] writes,
    /// a positive id without sign or leading zeros, a known action.
    ///
    /// [`custom_id`]: Self::custom_id
    pub fn parse(custom_id: &str) -> Result<Self, ForeignButton> {
        let foreign = || ForeignButton(custom_id.chars().take(100).collect());
        let mut parts = custom_id.split(':');
        let (Some(kind), Some(id), Some(action), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(foreign());
        };
        let canonical = !id.is_empty()
            && id.len() <= 18
            && id.bytes().all(|b| b.is_ascii_digit())
            && !id.starts_with('0');
        if !canonical {
            return Err(foreign());
        }
        let id: i64 = id.parse().map_err(|_| foreign())?;
        let prompt = match kind {
            "p" => PromptRef::Occurrence(OccurrenceId(id)),
            "t" => PromptRef::Test(ScheduleId(id)),
            _ => return Err(foreign()),
        };
        let action = PromptAction::from_code(action).ok_or_else(foreign)?;
        Ok(Self { prompt, action })
    }
}

/// The nonce a prompt is posted with (`enforce_nonce`): the same for every
/// try of one occurrence, so Discord keeps one message however often the
/// post is retried within its nonce memory. At most 25 characters.
pub fn nonce(occurrence: OccurrenceId) -> String {
    format!("sh-o{}", occurrence.0)
}

/// Whether a message's component ids show it is the prompt of `occurrence`.
pub fn is_prompt_of(
    custom_ids: impl IntoIterator<Item = impl AsRef<str>>,
    occurrence: OccurrenceId,
) -> bool {
    custom_ids.into_iter().any(|id| {
        PromptButton::parse(id.as_ref())
            .is_ok_and(|b| b.prompt == PromptRef::Occurrence(occurrence))
    })
}

/// The tip to show next of an exercise with `tips` tips, when the channel's
/// last prompt of that exercise showed `last`: the following one, so two
/// prompts in a row never repeat a tip (unless there is only one).
pub fn next_tip(tips: usize, last: Option<usize>) -> Option<usize> {
    match (tips, last) {
        (0, _) => None,
        (n, Some(last)) => Some((last + 1) % n),
        (_, None) => Some(0),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        for action in PromptAction::ALL {
            for prompt in [
                PromptRef::Occurrence(OccurrenceId(42)),
                PromptRef::Test(ScheduleId(7)),
            ] {
                let button = PromptButton { prompt, action };
                assert_eq!(PromptButton::parse(&button.custom_id()), Ok(button));
            }
        }
        assert_eq!(
            PromptButton {
                prompt: PromptRef::Occurrence(OccurrenceId(42)),
                action: PromptAction::DoneTwice
            }
            .custom_id(),
            "p:42:done2"
        );
    }

    #[test]
    fn forged_ids_are_refused() {
        for forged in [
            "",
            "p",
            "p:42",
            "p:42:done:extra",
            "p:-1:done",
            "p:+1:done",
            "p:0:done",
            "p:042:done",
            "p:4 2:done",
            "p:99999999999999999999:done",
            "p:42:explode",
            "x:42:done",
            "P:42:done",
            "p:42:DONE",
            "p:٤٢:done",
        ] {
            assert!(PromptButton::parse(forged).is_err(), "{forged:?}");
        }
        let long = "p:1:".to_owned() + &"x".repeat(5000);
        assert_eq!(PromptButton::parse(&long).unwrap_err().0.len(), 100);
    }

    #[test]
    fn a_prompt_is_recognised_by_its_buttons() {
        let ids = ["p:5:done", "p:5:notnow"];
        assert!(is_prompt_of(ids, OccurrenceId(5)));
        assert!(!is_prompt_of(ids, OccurrenceId(50)));
        assert!(!is_prompt_of(["t:5:done"], OccurrenceId(5)));
        assert!(nonce(OccurrenceId(i64::MAX)).len() <= 25);
    }

    #[test]
    fn tips_rotate_and_never_repeat_back_to_back() {
        assert_eq!(next_tip(3, None), Some(0));
        assert_eq!(next_tip(3, Some(0)), Some(1));
        assert_eq!(next_tip(3, Some(2)), Some(0));
        assert_eq!(next_tip(1, Some(0)), Some(0));
        assert_eq!(next_tip(0, None), None);
        // A catalog that shrank since the last prompt.
        assert_eq!(next_tip(2, Some(7)), Some(0));
    }

    /// Buttons as the bot writes them: ids as SQLite hands them out (up to
    /// the 18 digits a custom_id takes), every action, both kinds.
    fn button() -> impl Strategy<Value = PromptButton> {
        let id = 1i64..1_000_000_000_000_000_000;
        let prompt = prop_oneof![
            id.clone()
                .prop_map(|i| PromptRef::Occurrence(OccurrenceId(i))),
            id.prop_map(|i| PromptRef::Test(ScheduleId(i))),
        ];
        (prompt, prop::sample::select(PromptAction::ALL.to_vec()))
            .prop_map(|(prompt, action)| PromptButton { prompt, action })
    }

    proptest! {
        #![proptest_config(crate::domain::proptest_config())]

        #[test]
        fn every_button_the_bot_writes_parses_back(button in button()) {
            prop_assert_eq!(PromptButton::parse(&button.custom_id()), Ok(button));
        }

        /// A forged id one edit away from a real one is refused, or is itself
        /// exactly what the bot would write for some button.
        #[test]
        fn an_edited_id_is_refused_or_canonical(
            button in button(),
            at in any::<prop::sample::Index>(),
            edit in prop_oneof![
                any::<char>().prop_map(Some),
                prop::sample::select(vec!['0', '9', ':', '-', '+', ' ']).prop_map(Some),
                Just(None),
            ],
            replace in any::<bool>(),
        ) {
            let mut chars: Vec<char> = button.custom_id().chars().collect();
            let i = at.index(chars.len());
            match (edit, replace) {
                (Some(c), true) => chars[i] = c,
                (Some(c), false) => chars.insert(i, c),
                (None, _) => { chars.remove(i); }
            }
            let forged: String = chars.into_iter().collect();
            if let Ok(parsed) = PromptButton::parse(&forged) {
                prop_assert_eq!(parsed.custom_id(), forged);
            }
        }

        #[test]
        fn parsing_any_text_never_panics_and_accepts_only_what_it_writes(text in ".{0,40}") {
            if let Ok(button) = PromptButton::parse(&text) {
                prop_assert_eq!(button.custom_id(), text);
            }
        }
    }
}
