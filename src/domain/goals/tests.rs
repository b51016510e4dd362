use super::*;

fn d(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, month, day).unwrap()
}

fn mon_fri() -> WeekdaySet {
    WeekdaySet::parse("mon-fri").unwrap()
}

/// A day on which every default goal is met (strength too).
fn full_day(date: NaiveDate) -> Vec<(NaiveDate, &'static str, u32)> {
    let mut day = vec![
        (date, "walk", 20),
        (date, "walk", 10),
        (date, "calf-raises", 30),
        (date, "water", 6),
    ];
    day.extend((0..8).map(|_| (date, "heel-raises", 30)));
    day
}

#[test]
fn progress_counts_minutes_sets_days_and_glasses() {
    // Wednesday 3 March 2027; weeks start on Monday.
    let days = goal_days([
        (d(3, 1), "skipping", 5),
        (d(3, 3), "walk", 20),
        (d(3, 3), "heel-raises", 30),
        (d(3, 3), "heel-raises", 10),
        (d(3, 3), "water", 2),
        (d(3, 3), "stairs", 5),
        (d(3, 3), "stretch", 5),
    ]);
    let p = progress(
        &days,
        GoalTargets::default(),
        d(3, 3),
        Weekday::Mon,
        mon_fri(),
    );
    assert_eq!(
        p.walk,
        Progress {
            done: 20,
            target: 30
        }
    );
    assert_eq!(p.strength, Progress { done: 2, target: 3 });
    assert_eq!(p.heel_sets, Some(Progress { done: 2, target: 8 }));
    assert_eq!(p.water, Progress { done: 2, target: 6 });
    assert!(!p.on_track);
    // Saturday is no working day: no heel-raise sets are asked for.
    let saturday = progress(
        &days,
        GoalTargets::default(),
        d(3, 6),
        Weekday::Mon,
        mon_fri(),
    );
    assert_eq!(saturday.heel_sets, None);
    assert_eq!(saturday.walk.done, 0);
}

#[test]
fn the_strength_week_follows_the_servers_week_start_across_a_month_end() {
    // Sunday 28 February and Monday 1 March 2027.
    let days = goal_days([(d(2, 28), "calf-raises", 20), (d(3, 1), "stairs", 5)]);
    let monday_weeks = progress(
        &days,
        GoalTargets::default(),
        d(3, 1),
        Weekday::Mon,
        mon_fri(),
    );
    assert_eq!(monday_weeks.strength.done, 1);
    let sunday_weeks = progress(
        &days,
        GoalTargets::default(),
        d(3, 1),
        Weekday::Sun,
        mon_fri(),
    );
    assert_eq!(sunday_weeks.strength.done, 2);
}

#[test]
fn the_weekly_goal_is_on_track_while_it_keeps_pace() {
    let targets = GoalTargets::default(); // 3 strength days a week
    let mut checkins = Vec::new();
    // Monday 1 March to Sunday 7 March: everything daily met, strength
    // only on Wednesday.
    for day in 1..=7 {
        checkins.extend(
            full_day(d(3, day))
                .into_iter()
                .filter(|c| c.1 != "calf-raises"),
        );
    }
    checkins.push((d(3, 3), "calf-raises", 20));
    let days = goal_days(checkins);
    let on_track: Vec<bool> = (1..=7)
        .map(|day| progress(&days, targets, d(3, day), Weekday::Mon, mon_fri()).on_track)
        .collect();
    // Pace: 0, 0, 1, 1, 2, 2, 3 days by the 1st..7th day.
    assert_eq!(on_track, [true, true, true, true, false, false, false]);
}

#[test]
fn a_week_of_goals_met_is_seven_consecutive_days_on_track() {
    let mut checkins = Vec::new();
    for day in 1..=10 {
        checkins.extend(full_day(d(3, day)));
    }
    let days = goal_days(checkins);
    let first = first_goal_week(
        &days,
        GoalTargets::default(),
        d(3, 10),
        Weekday::Mon,
        mon_fri(),
    );
    assert_eq!(first, Some(d(3, 7)));
    // Not yet on the 6th.
    assert_eq!(
        first_goal_week(
            &days,
            GoalTargets::default(),
            d(3, 6),
            Weekday::Mon,
            mon_fri()
        ),
        None
    );
    // A missed walk on the 4th starts the count again: 5th to 11th.
    let mut checkins = Vec::new();
    for day in 1..=12 {
        checkins.extend(
            full_day(d(3, day))
                .into_iter()
                .filter(|c| !(day == 4 && c.1 == "walk")),
        );
    }
    let days = goal_days(checkins);
    assert_eq!(
        first_goal_week(
            &days,
            GoalTargets::default(),
            d(3, 12),
            Weekday::Mon,
            mon_fri()
        ),
        Some(d(3, 11))
    );
}

#[test]
fn targets_change_within_bounds() {
    let change = TargetChange {
        walk_minutes: Some(45),
        water_glasses: Some(8),
        ..TargetChange::default()
    };
    let targets = change.apply(GoalTargets::default()).unwrap();
    assert_eq!(
        targets,
        GoalTargets {
            walk_minutes: 45,
            strength_days: 3,
            heel_sets: 8,
            water_glasses: 8
        }
    );
    let too_far = TargetChange {
        walk_minutes: Some(600),
        ..TargetChange::default()
    };
    assert_eq!(
        too_far.apply(targets).unwrap_err().to_string(),
        "the walk goal takes 5 to 180 minutes a day; 600 is outside that"
    );
    for bad in [0, 8, -1] {
        let change = TargetChange {
            strength_days: Some(bad),
            ..TargetChange::default()
        };
        assert!(change.apply(targets).is_err(), "{bad}");
    }
    assert!(TargetChange::default().is_empty());
}
