//! Every parser of member or Discord input, over arbitrary text and extreme
//! numbers: each gives a value or its error, never a panic. The parsers'
//! own tests pin down what they accept; these only hunt for panics, so a
//! parser added later belongs here too.

use proptest::prelude::*;

use super::duration::parse_pause;
use super::exercise::{Catalog, ExerciseKey};
use super::leaderboard::{Metric, Period};
use super::prompt::PromptButton;
use super::schedule::BoardWeek;
use super::server::{parse_weekday, QuietHours, WeekdaySet};
use super::spec::ScheduleSpec;
use super::zone::parse_zone;

const SHIPPED: &str = include_str!("../../config/exercises.toml");

/// Numbers at and past every edge a field, a step or a count has.
fn extreme() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100).prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("99999999999999999999999".to_owned()),
        Just(u32::MAX.to_string()),
        Just("0".to_owned()),
        Just("-1".to_owned()),
    ]
}

/// One cron field made of extreme numbers: a value, a range, a step or a list.
fn cron_field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        extreme(),
        (extreme(), extreme()).prop_map(|(a, b)| format!("{a}-{b}")),
        extreme().prop_map(|s| format!("*/{s}")),
        (extreme(), extreme(), extreme()).prop_map(|(a, b, s)| format!("{a}-{b}/{s}")),
        (extreme(), extreme()).prop_map(|(a, b)| format!("{a},{b}")),
    ]
}

/// A time of day with extreme numbers.
fn time() -> impl Strategy<Value = String> {
    (extreme(), extreme()).prop_map(|(h, m)| format!("{h}:{m}"))
}

/// Friendly forms with extreme numbers where a member types numbers.
fn friendly() -> impl Strategy<Value = String> {
    prop_oneof![
        extreme().prop_map(|n| format!("every {n} minutes")),
        extreme().prop_map(|n| format!("every {n} hours")),
        (extreme(), time(), time())
            .prop_map(|(n, a, b)| format!("every {n} minutes {a}-{b} mon-fri")),
        time().prop_map(|t| format!("daily {t}")),
        (time(), time()).prop_map(|(a, b)| format!("weekdays {a},{b}")),
    ]
}

proptest! {
    #![proptest_config(crate::domain::proptest_config())]

    #[test]
    fn schedule_specs_from_any_text(text in any::<String>(), min in any::<u32>()) {
        let _ = ScheduleSpec::parse(&text, min);
    }

    #[test]
    fn cron_with_extreme_numbers(
        fields in prop::collection::vec(cron_field(), 4..=7),
        min in prop_oneof![Just(0u32), Just(5), any::<u32>()],
    ) {
        let _ = ScheduleSpec::parse(&fields.join(" "), min);
    }

    #[test]
    fn friendly_forms_with_extreme_numbers(text in friendly(), min in 0u32..120) {
        let _ = ScheduleSpec::parse(&text, min);
    }

    #[test]
    fn pauses_zones_days_and_quiet_hours(text in any::<String>()) {
        let _ = parse_pause(&text);
        let _ = parse_zone(&text);
        let _ = parse_weekday(&text);
        let _ = WeekdaySet::parse(&text);
        let _ = QuietHours::parse(&text);
        let _ = BoardWeek::parse(&text);
        let _ = text.parse::<Period>();
        let _ = text.parse::<Metric>();
        let _ = ExerciseKey::parse(&text);
        let _ = PromptButton::parse(&text);
    }

    #[test]
    fn quiet_hours_with_extreme_numbers(
        (a, b, c, d) in (extreme(), extreme(), extreme(), extreme()),
    ) {
        let _ = QuietHours::parse(&format!("{a}:{b}-{c}:{d}"));
    }

    #[test]
    fn amounts_of_any_size(amount in any::<i64>()) {
        let catalog = Catalog::from_toml(SHIPPED).expect("the shipped catalog is valid");
        for exercise in catalog.iter() {
            if let Ok(a) = exercise.check_amount(amount) {
                prop_assert!(a >= 1);
                let _ = exercise.points_for(a);
            }
        }
    }
}
