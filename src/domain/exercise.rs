//! The exercise catalog: what members can log, in which unit, for how many
//! points, and the tips prompts carry.
//!
//! The catalog ships as `config/exercises.toml` and is validated as a whole
//! when it is loaded, so a mistake in it stops start-up with a sentence naming
//! the exercise and the field instead of surfacing later in a prompt.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use thiserror::Error;

/// The longest tip, in characters; a tip is one line of a prompt embed.
pub const MAX_TIP_CHARS: usize = 200;
/// Every exercise carries at least this many tips, so prompts can rotate them.
pub const MIN_TIPS: usize = 3;

/// The unit an exercise is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Reps,
    Minutes,
    Glasses,
}

impl Unit {
    /// The unit's name for an amount, singular for one.
    pub fn label(self, amount: u32) -> &'static str {
        match (self, amount) {
            (Unit::Reps, 1) => "rep",
            (Unit::Reps, _) => "reps",
            (Unit::Minutes, 1) => "minute",
            (Unit::Minutes, _) => "minutes",
            (Unit::Glasses, 1) => "glass",
            (Unit::Glasses, _) => "glasses",
        }
    }
}

/// A catalog key such as `calf-raises`: lowercase ASCII letters and digits
/// joined by single hyphens, at most 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExerciseKey(String);

impl ExerciseKey {
    pub fn parse(key: &str) -> Result<Self, CatalogError> {
        let well_formed = !key.is_empty()
            && key.len() <= 32
            && !key.starts_with('-')
            && !key.ends_with('-')
            && !key.contains("--")
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if well_formed {
            Ok(Self(key.to_owned()))
        } else {
            Err(CatalogError::BadKey(key.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExerciseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    pub key: ExerciseKey,
    pub name: String,
    pub unit: Unit,
    /// What "Done" on a prompt logs.
    pub default_amount: u32,
    pub points_per_unit: f64,
    /// The most one check-in may log; more is refused as implausible.
    pub max_amount: u32,
    /// Fair play: the most of it one member earns points for in a day;
    /// check-ins past it are logged but earn nothing. `None`: no cap.
    pub daily_cap: Option<u32>,
    pub tips: Vec<String>,
}

impl Exercise {
    /// Points earned for `amount` units, rounded to the nearest whole point.
    pub fn points_for(&self, amount: u32) -> i64 {
        (f64::from(amount) * self.points_per_unit).round() as i64
    }

    /// Points for `amount` more units when the member already logged
    /// `day_before` that day: only the part within the daily cap earns.
    /// Returns the points and how many units were past the cap.
    pub fn capped_points(&self, day_before: i64, amount: u32) -> (i64, u32) {
        let Some(cap) = self.daily_cap else {
            return (self.points_for(amount), 0);
        };
        let room = (i64::from(cap) - day_before.max(0)).clamp(0, i64::from(amount));
        let earning = u32::try_from(room).unwrap_or(0);
        (self.points_for(earning), amount - earning)
    }

    /// Checks that `amount` is a plausible single check-in.
    pub fn check_amount(&self, amount: i64) -> Result<u32, AmountError> {
        match u32::try_from(amount) {
            Ok(a) if a >= 1 && a <= self.max_amount => Ok(a),
            _ => Err(AmountError {
                exercise: self.name.clone(),
                max: self.max_amount,
                unit: self.unit.label(self.max_amount),
            }),
        }
    }
}

/// An amount outside an exercise's plausible range.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{exercise} takes an amount from 1 to {max} {unit} per check-in")]
pub struct AmountError {
    pub exercise: String,
    pub max: u32,
    pub unit: &'static str,
}

/// The whole validated catalog, in the order of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    exercises: Vec<Exercise>,
}

/// A catalog that does not validate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogError {
    #[error("the exercise catalog is not valid TOML: {0}")]
    Syntax(String),
    #[error("the exercise catalog is empty")]
    Empty,
    #[error("exercise key `{0}` must be lowercase letters, digits and single hyphens (at most 32), such as `calf-raises`")]
    BadKey(String),
    #[error("exercise `{0}` appears twice in the catalog")]
    DuplicateKey(String),
    #[error("exercise `{key}`: {problem}")]
    Field { key: String, problem: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    exercise: Vec<ExerciseEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseEntry {
    key: String,
    name: String,
    unit: Unit,
    default_amount: u32,
    points_per_unit: f64,
    max_amount: u32,
    #[serde(default)]
    daily_cap: Option<u32>,
    tips: Vec<String>,
}

impl Catalog {
    /// Parses and validates a catalog file's text.
    pub fn from_toml(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| CatalogError::Syntax(one_line(&e.to_string())))?;
        Self::new(file.exercise)
    }

    fn new(entries: Vec<ExerciseEntry>) -> Result<Self, CatalogError> {
        if entries.is_empty() {
            return Err(CatalogError::Empty);
        }
        let mut seen = HashSet::new();
        let mut exercises = Vec::with_capacity(entries.len());
        for entry in entries {
            let key = ExerciseKey::parse(&entry.key)?;
            if !seen.insert(key.clone()) {
                return Err(CatalogError::DuplicateKey(entry.key));
            }
            let problem = |problem: String| CatalogError::Field {
                key: entry.key.clone(),
                problem,
            };
            let name = entry.name.trim();
            if name.is_empty() || name.chars().count() > 64 {
                return Err(problem("`name` must be 1 to 64 characters".into()));
            }
            if entry.max_amount == 0 {
                return Err(problem("`max_amount` must be at least 1".into()));
            }
            if entry.default_amount == 0 || entry.default_amount > entry.max_amount {
                return Err(problem(format!(
                    "`default_amount` must be between 1 and `max_amount` ({})",
                    entry.max_amount
                )));
            }
            if !(entry.points_per_unit.is_finite()
                && entry.points_per_unit > 0.0
                && entry.points_per_unit <= 100.0)
            {
                return Err(problem(
                    "`points_per_unit` must be a number above 0 and at most 100".into(),
                ));
            }
            if entry.daily_cap == Some(0) {
                return Err(problem("`daily_cap` must be at least 1".into()));
            }
            if entry.tips.len() < MIN_TIPS {
                return Err(problem(format!("needs at least {MIN_TIPS} `tips`")));
            }
            let mut tips = Vec::with_capacity(entry.tips.len());
            for (i, tip) in entry.tips.iter().enumerate() {
                let tip = tip.trim();
                if tip.is_empty() || tip.chars().count() > MAX_TIP_CHARS {
                    return Err(problem(format!(
                        "tip {} must be 1 to {MAX_TIP_CHARS} characters",
                        i + 1
                    )));
                }
                tips.push(tip.to_owned());
            }
            exercises.push(Exercise {
                key,
                name: name.to_owned(),
                unit: entry.unit,
                default_amount: entry.default_amount,
                points_per_unit: entry.points_per_unit,
                max_amount: entry.max_amount,
                daily_cap: entry.daily_cap,
                tips,
            });
        }
        Ok(Self { exercises })
    }

    /// The exercise with this key.
    pub fn get(&self, key: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.key.as_str() == key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Exercise> {
        self.exercises.iter()
    }

    /// The exercises whose key or name contains `partial` (in any case), in
    /// the catalog's order: what a member typing an exercise is offered.
    pub fn matching<'a>(&'a self, partial: &str) -> impl Iterator<Item = &'a Exercise> {
        let partial = partial.trim().to_lowercase();
        self.exercises.iter().filter(move |e| {
            e.key.as_str().contains(&partial) || e.name.to_lowercase().contains(&partial)
        })
    }

    pub fn len(&self) -> usize {
        self.exercises.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exercises.is_empty()
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../config/exercises.toml");

    #[test]
    fn exercises_match_by_key_or_name_in_any_case() {
        let catalog = Catalog::from_toml(SHIPPED).unwrap();
        let keys = |partial| {
            catalog
                .matching(partial)
                .map(|e| e.key.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys("RAISES"), ["calf-raises", "heel-raises"]);
        assert_eq!(keys("brisk"), ["walk"]);
        assert_eq!(
            keys(""),
            catalog.iter().map(|e| e.key.as_str()).collect::<Vec<_>>()
        );
        assert!(keys("running").is_empty());
    }

    fn entry(key: &str) -> String {
        format!(
            r#"
            [[exercise]]
            key = "{key}"
            name = "Calf raises"
            unit = "reps"
            default_amount = 20
            points_per_unit = 0.5
            max_amount = 300
            tips = ["one", "two", "three"]
            "#
        )
    }

    #[test]
    fn the_shipped_catalog_is_valid_and_complete() {
        let catalog = Catalog::from_toml(SHIPPED).expect("shipped catalog");
        for key in [
            "calf-raises",
            "heel-raises",
            "walk",
            "stretch",
            "stairs",
            "skipping",
            "water",
        ] {
            assert!(catalog.get(key).is_some(), "missing {key}");
        }
    }

    #[test]
    fn points_round_to_whole_points() {
        let catalog = Catalog::from_toml(&entry("calf-raises")).unwrap();
        let calf = catalog.get("calf-raises").unwrap();
        assert_eq!(calf.points_for(20), 10);
        assert_eq!(calf.points_for(3), 2); // 1.5 rounds away from zero
    }

    #[test]
    fn past_the_daily_cap_a_check_in_earns_nothing() {
        let catalog = Catalog::from_toml(SHIPPED).unwrap();
        let walk = catalog.get("walk").unwrap();
        assert_eq!(walk.daily_cap, Some(120));
        assert_eq!(walk.capped_points(0, 30), (30, 0));
        // 100 minutes logged: 20 more earn, 10 do not.
        assert_eq!(walk.capped_points(100, 30), (20, 10));
        assert_eq!(walk.capped_points(120, 30), (0, 30));
        assert_eq!(walk.capped_points(500, 1), (0, 1));
        let uncapped = Catalog::from_toml(&entry("calf-raises")).unwrap();
        let calf = uncapped.get("calf-raises").unwrap();
        assert_eq!(calf.capped_points(10_000, 20), (10, 0));
        let zero = entry("walk").replace("max_amount = 300", "max_amount = 300\ndaily_cap = 0");
        assert!(Catalog::from_toml(&zero).is_err());
    }

    #[test]
    fn amounts_outside_the_plausible_range_are_refused() {
        let catalog = Catalog::from_toml(&entry("calf-raises")).unwrap();
        let calf = catalog.get("calf-raises").unwrap();
        assert_eq!(calf.check_amount(1), Ok(1));
        assert_eq!(calf.check_amount(300), Ok(300));
        let err = calf.check_amount(301).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Calf raises takes an amount from 1 to 300 reps per check-in"
        );
        assert!(calf.check_amount(0).is_err());
        assert!(calf.check_amount(-5).is_err());
        assert!(calf.check_amount(i64::MAX).is_err());
    }

    #[test]
    fn bad_catalogs_name_the_exercise_and_field() {
        let dup = format!("{}{}", entry("walk"), entry("walk"));
        assert_eq!(
            Catalog::from_toml(&dup),
            Err(CatalogError::DuplicateKey("walk".into()))
        );
        assert_eq!(
            Catalog::from_toml(&entry("Calf Raises")),
            Err(CatalogError::BadKey("Calf Raises".into()))
        );
        let too_much = entry("walk").replace("default_amount = 20", "default_amount = 301");
        let err = Catalog::from_toml(&too_much).unwrap_err().to_string();
        assert!(
            err.starts_with("exercise `walk`: `default_amount`"),
            "{err}"
        );
        let few_tips = entry("walk").replace(r#"["one", "two", "three"]"#, r#"["one"]"#);
        assert!(Catalog::from_toml(&few_tips).is_err());
        let unknown = entry("walk").replace("unit = \"reps\"", "unit = \"reps\"\ncolour = 1");
        assert!(matches!(
            Catalog::from_toml(&unknown),
            Err(CatalogError::Syntax(_))
        ));
        assert_eq!(
            Catalog::from_toml("exercise = []"),
            Err(CatalogError::Empty)
        );
    }

    #[test]
    fn keys_are_strict() {
        for good in ["walk", "calf-raises", "a1"] {
            assert!(ExerciseKey::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-walk",
            "walk-",
            "calf--raises",
            "Walk",
            "walk now",
            "ü",
        ] {
            assert!(ExerciseKey::parse(bad).is_err(), "{bad}");
        }
    }
}
