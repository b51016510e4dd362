//! Rotations: a prompt schedule's exercises, prompted in order, one per
//! firing, wrapping around.
//!
//! A schedule counts the firings it has prompted since its exercises were
//! last set (its *turns*); which exercise a firing prompts is a function of
//! that count alone. The count lives on the schedule and moves on with the
//! claim of a new firing, so removing old occurrences never moves it, and a
//! firing skipped while the bot was away takes no turn: after an outage the
//! rotation goes on where it stopped.

use thiserror::Error;

/// The most exercises one schedule rotates through.
pub const MAX_ROTATION: usize = 10;

/// Which exercise of a rotation of `len` prompts after `turns` firings:
/// the first, then each in order, wrapping around. `None` for an empty one.
pub fn slot(turns: u64, len: usize) -> Option<usize> {
    let len = u64::try_from(len).ok().filter(|&n| n > 0)?;
    usize::try_from(turns % len).ok()
}

/// The turn a firing of a prompt schedule takes: how many turns the
/// schedule had when it was read, and the slot of the exercise they give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    pub taken: u64,
    pub slot: usize,
}

/// Why a moderator's exercise list does not read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RotationError {
    #[error("no exercise given")]
    Empty,
    #[error("exercise {position} of the list is empty: separate exercises with single commas, as in `heel-raises,calf-raises,stretch`")]
    EmptyItem { position: usize },
    #[error("that is {count} exercises; a schedule rotates through at most {max}")]
    TooMany { count: usize, max: usize },
}

/// The items of a moderator's list such as `heel-raises, calf-raises,stretch`,
/// in order: trimmed, in lowercase, duplicates kept (naming an exercise
/// twice prompts it twice as often). Whether each names an exercise is the
/// catalog's to say.
pub fn parse_list(text: &str) -> Result<Vec<String>, RotationError> {
    if text.trim().is_empty() {
        return Err(RotationError::Empty);
    }
    let items: Vec<String> = text
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .collect();
    if let Some(i) = items.iter().position(String::is_empty) {
        return Err(RotationError::EmptyItem { position: i + 1 });
    }
    if items.len() > MAX_ROTATION {
        return Err(RotationError::TooMany {
            count: items.len(),
            max: MAX_ROTATION,
        });
    }
    Ok(items)
}

/// Autocomplete for a list being typed: the last comma-separated item
/// completed with each of `keys` that contains it, the items before it kept
/// as typed. At most `limit` suggestions, each at most `max_chars` long
/// (Discord's limit on a choice); nothing past [`MAX_ROTATION`] items.
pub fn complete_last<'a>(
    partial: &str,
    keys: impl IntoIterator<Item = &'a str>,
    limit: usize,
    max_chars: usize,
) -> Vec<String> {
    let (done, last) = match partial.rfind(',') {
        Some(i) => (&partial[..=i], &partial[i + 1..]),
        None => ("", partial),
    };
    if done.matches(',').count() >= MAX_ROTATION {
        return Vec::new();
    }
    let last = last.trim().to_ascii_lowercase();
    keys.into_iter()
        .filter(|key| key.contains(last.as_str()))
        .map(|key| format!("{done}{key}"))
        .filter(|choice| choice.chars().count() <= max_chars)
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn firings_go_through_the_rotation_in_order_and_wrap() {
        let slots: Vec<_> = (0..7).map(|turns| slot(turns, 3).unwrap()).collect();
        assert_eq!(slots, [0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(slot(0, 1), Some(0));
        assert_eq!(slot(41, 1), Some(0));
        assert_eq!(slot(u64::MAX, 10), Some(5));
        assert_eq!(slot(3, 0), None);
    }

    #[test]
    fn lists_are_read_leniently_but_not_guessed() {
        assert_eq!(
            parse_list("heel-raises,calf-raises,stretch").unwrap(),
            ["heel-raises", "calf-raises", "stretch"]
        );
        assert_eq!(
            parse_list("  Heel-Raises ,  calf-raises,stretch ").unwrap(),
            ["heel-raises", "calf-raises", "stretch"]
        );
        // Twice as often on purpose.
        assert_eq!(
            parse_list("heel-raises,heel-raises,stretch").unwrap(),
            ["heel-raises", "heel-raises", "stretch"]
        );
        assert_eq!(parse_list("walk").unwrap(), ["walk"]);
        assert_eq!(parse_list(" "), Err(RotationError::Empty));
        assert_eq!(
            parse_list("walk,,stretch"),
            Err(RotationError::EmptyItem { position: 2 })
        );
        assert_eq!(
            parse_list("walk,stretch,"),
            Err(RotationError::EmptyItem { position: 3 })
        );
        assert_eq!(
            parse_list(",walk"),
            Err(RotationError::EmptyItem { position: 1 })
        );
        // Spaces do not separate: this is one (unknown) item.
        assert_eq!(parse_list("walk stretch").unwrap(), ["walk stretch"]);
        assert_eq!(parse_list(&["walk"; 10].join(",")).unwrap().len(), 10);
        assert_eq!(
            parse_list(&["walk"; 11].join(",")),
            Err(RotationError::TooMany { count: 11, max: 10 })
        );
    }

    #[test]
    fn autocomplete_completes_the_last_item() {
        let keys = ["calf-raises", "heel-raises", "stretch", "walk"];
        assert_eq!(
            complete_last("heel-raises,ca", keys, 25, 100),
            ["heel-raises,calf-raises"]
        );
        assert_eq!(
            complete_last("heel-raises, rai", keys, 25, 100),
            ["heel-raises,calf-raises", "heel-raises,heel-raises"]
        );
        assert_eq!(
            complete_last("", keys, 2, 100),
            ["calf-raises", "heel-raises"]
        );
        assert_eq!(
            complete_last("walk,", keys, 25, 100),
            keys.map(|k| format!("walk,{k}"))
        );
        assert!(complete_last("walk,WALK", keys, 25, 100) == ["walk,walk"]);
        // Too long for a choice, or a full list: nothing to offer.
        assert!(complete_last("walk,", keys, 25, 8).is_empty());
        assert!(complete_last(&"walk,".repeat(10), keys, 25, 1000).is_empty());
    }

    proptest! {
        #![proptest_config(crate::domain::proptest_config())]

        #[test]
        fn every_count_gives_a_slot_in_range(turns in any::<u64>(), len in 1usize..=MAX_ROTATION) {
            let s = slot(turns, len).unwrap();
            prop_assert!(s < len);
        }

        #[test]
        fn consecutive_firings_take_consecutive_slots(turns in 0u64..u64::MAX, len in 1usize..=MAX_ROTATION) {
            let now = slot(turns, len).unwrap();
            let next = slot(turns + 1, len).unwrap();
            prop_assert_eq!(next, (now + 1) % len);
        }

        #[test]
        fn each_exercise_comes_once_in_any_len_consecutive_firings(start in any::<u32>(), len in 1usize..=MAX_ROTATION) {
            let mut seen: Vec<usize> = (0..len as u64)
                .map(|i| slot(u64::from(start) + i, len).unwrap())
                .collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..len).collect::<Vec<_>>());
        }

        #[test]
        fn parsing_never_panics_and_keeps_its_promises(text in ".{0,80}") {
            if let Ok(items) = parse_list(&text) {
                prop_assert!(!items.is_empty() && items.len() <= MAX_ROTATION);
                prop_assert!(items.iter().all(|i| !i.is_empty() && i.trim() == i && !i.contains(',')));
            }
        }
    }
}
