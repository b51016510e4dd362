//! The fixed value sets of command options, as poise choices: Discord shows
//! the names and sends the index of the one picked, so the registered
//! definitions are what these enums say. Each maps to the domain's value.

use chrono::Weekday;

use crate::domain::leaderboard::{Metric, Period};
use crate::domain::team_goal::TeamMetric;

/// A leaderboard or stats period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum PeriodChoice {
    #[name = "Today"]
    Today,
    #[name = "This week"]
    ThisWeek,
    #[name = "Last week"]
    LastWeek,
    #[name = "This month"]
    ThisMonth,
    #[name = "Last 4 weeks"]
    Rolling4Weeks,
    #[name = "All time"]
    AllTime,
}

impl From<PeriodChoice> for Period {
    fn from(choice: PeriodChoice) -> Self {
        match choice {
            PeriodChoice::Today => Period::Today,
            PeriodChoice::ThisWeek => Period::ThisWeek,
            PeriodChoice::LastWeek => Period::LastWeek,
            PeriodChoice::ThisMonth => Period::ThisMonth,
            PeriodChoice::Rolling4Weeks => Period::Rolling4Weeks,
            PeriodChoice::AllTime => Period::AllTime,
        }
    }
}

/// What a leaderboard ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum MetricChoice {
    #[name = "Points"]
    Points,
    #[name = "Amount of one exercise"]
    Amount,
    #[name = "Consistency (prompts answered)"]
    Consistency,
}

impl From<MetricChoice> for Metric {
    fn from(choice: MetricChoice) -> Self {
        match choice {
            MetricChoice::Points => Metric::Points,
            MetricChoice::Amount => Metric::Amount,
            MetricChoice::Consistency => Metric::Consistency,
        }
    }
}

/// A switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum OnOff {
    #[name = "on"]
    On,
    #[name = "off"]
    Off,
}

impl OnOff {
    pub fn is_on(self) -> bool {
        self == OnOff::On
    }
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum DayChoice {
    #[name = "monday"]
    Monday,
    #[name = "tuesday"]
    Tuesday,
    #[name = "wednesday"]
    Wednesday,
    #[name = "thursday"]
    Thursday,
    #[name = "friday"]
    Friday,
    #[name = "saturday"]
    Saturday,
    #[name = "sunday"]
    Sunday,
}

impl From<DayChoice> for Weekday {
    fn from(choice: DayChoice) -> Self {
        match choice {
            DayChoice::Monday => Weekday::Mon,
            DayChoice::Tuesday => Weekday::Tue,
            DayChoice::Wednesday => Weekday::Wed,
            DayChoice::Thursday => Weekday::Thu,
            DayChoice::Friday => Weekday::Fri,
            DayChoice::Saturday => Weekday::Sat,
            DayChoice::Sunday => Weekday::Sun,
        }
    }
}

/// Which week a posted leaderboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum WeekChoice {
    #[name = "This week so far"]
    ThisWeek,
    #[name = "Last week"]
    LastWeek,
}

impl WeekChoice {
    /// The name the settings use.
    pub fn key(self) -> &'static str {
        match self {
            WeekChoice::ThisWeek => "this-week",
            WeekChoice::LastWeek => "last-week",
        }
    }
}

/// What a team goal adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum TeamMetricChoice {
    #[name = "points"]
    Points,
    #[name = "minutes"]
    Minutes,
    #[name = "checkins"]
    Checkins,
}

impl From<TeamMetricChoice> for TeamMetric {
    fn from(choice: TeamMetricChoice) -> Self {
        match choice {
            TeamMetricChoice::Points => TeamMetric::Points,
            TeamMetricChoice::Minutes => TeamMetric::Minutes,
            TeamMetricChoice::Checkins => TeamMetric::Checkins,
        }
    }
}

/// A team goal's period: a week, for now the only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum TeamPeriodChoice {
    #[name = "week"]
    Week,
}

#[cfg(test)]
mod tests {
    use poise::ChoiceParameter;

    use super::*;

    /// Every period can be picked, in the domain's order.
    #[test]
    fn the_period_choices_are_the_domains_periods() {
        let picked: Vec<Period> = (0..PeriodChoice::list().len())
            .map(|i| PeriodChoice::from_index(i).unwrap().into())
            .collect();
        assert_eq!(picked, Period::ALL);
    }

    #[test]
    fn the_team_metric_choices_are_the_domains_metrics() {
        let picked: Vec<TeamMetric> = (0..TeamMetricChoice::list().len())
            .map(|i| TeamMetricChoice::from_index(i).unwrap().into())
            .collect();
        assert_eq!(picked, TeamMetric::ALL);
    }

    #[test]
    fn the_day_choices_are_the_seven_days_from_monday() {
        let days: Vec<Weekday> = (0..DayChoice::list().len())
            .map(|i| DayChoice::from_index(i).unwrap().into())
            .collect();
        let week: Vec<Weekday> = std::iter::successors(Some(Weekday::Mon), |d| Some(d.succ()))
            .take(7)
            .collect();
        assert_eq!(days, week);
    }
}
