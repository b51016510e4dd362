//! `secondheart schedule-preview`: what a moderator's schedule will do.

use crate::support::Workspace;

fn preview(args: &[&str]) -> Vec<String> {
    let ws = Workspace::new();
    let mut all = vec!["schedule-preview"];
    all.extend_from_slice(args);
    let run = ws.run(&all);
    assert!(run.succeeded(), "{}", run.stderr());
    run.stdout().lines().map(str::to_owned).collect()
}

#[test]
fn daily_0230_in_berlin_for_a_year() {
    let lines = preview(&[
        "30 2 * * *",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2027-01-01T00:00:00Z",
        "--count",
        "365",
    ]);
    assert_eq!(lines.len(), 365);
    // One firing every day of 2027.
    let days: std::collections::BTreeSet<_> = lines.iter().map(|l| &l[..10]).collect();
    assert_eq!(days.len(), 365);
    assert_eq!(lines[0], "2027-01-01 Fri 02:30:00 +01:00");
    let on = |day: &str| {
        lines
            .iter()
            .filter(|l| l.starts_with(day))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        on("2027-03-28"),
        ["2027-03-28 Sun 03:00:00 +02:00  [moved: 02:30 does not exist, clocks spring forward]"]
    );
    assert_eq!(on("2027-10-31"), ["2027-10-31 Sun 02:30:00 +02:00"]);
}

#[test]
fn weekdays_in_new_york_fire_monday_to_friday_only() {
    let lines = preview(&["30 9 * * 1-5", "--tz", "America/New_York", "--count", "50"]);
    assert_eq!(lines.len(), 50);
    assert!(
        lines
            .iter()
            .all(|l| !l.contains(" Sat ") && !l.contains(" Sun ")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l[15..].starts_with("09:30:00 -0")),
        "{lines:#?}"
    );
}

#[test]
fn a_listed_hour_fires_once_on_fall_back_day() {
    let lines = preview(&[
        "30 2,14 * * *",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2027-10-30T00:00:00Z",
        "--count",
        "6",
    ]);
    assert_eq!(
        lines,
        [
            "2027-10-30 Sat 02:30:00 +02:00",
            "2027-10-30 Sat 14:30:00 +02:00",
            "2027-10-31 Sun 02:30:00 +02:00",
            "2027-10-31 Sun 14:30:00 +01:00",
            "2027-11-01 Mon 02:30:00 +01:00",
            "2027-11-01 Mon 14:30:00 +01:00",
        ]
    );
}

#[test]
fn every_30_minutes_shows_both_passes_of_the_repeated_hour() {
    let lines = preview(&[
        "*/30 * * * *",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2027-10-31T00:00:00Z",
        "--count",
        "8",
    ]);
    assert_eq!(
        lines[..4],
        [
            "2027-10-31 Sun 02:30:00 +02:00  [repeated: 02:30 happens twice, clocks fall back; first pass]",
            "2027-10-31 Sun 02:00:00 +01:00  [repeated: 02:00 happens twice, clocks fall back; second pass]",
            "2027-10-31 Sun 02:30:00 +01:00  [repeated: 02:30 happens twice, clocks fall back; second pass]",
            "2027-10-31 Sun 03:00:00 +01:00",
        ]
    );
    assert_eq!(lines.len(), 8);
}

#[test]
fn bad_input_gets_the_moderators_sentence_and_a_non_zero_exit() {
    let ws = Workspace::new();
    let cases = [
        (vec!["0 9 * *"], "expected 5 or 6 fields, got 4"),
        (
            vec!["0 9 * * *", "--tz", "Mars/Olympus"],
            "unknown time zone `Mars/Olympus`",
        ),
        (vec!["0 0 31 2 *"], "never fires"),
        (
            vec!["* * * * *"],
            "the shortest interval allowed here is 5 minutes",
        ),
        (vec!["sometimes"], "Examples:"),
        (
            vec!["daily 10:30", "--from", "tomorrow"],
            "is not an instant",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["schedule-preview"];
        all.extend_from_slice(&args);
        let line = ws.run(&all).one_line_failure();
        assert!(line.contains(expected), "{args:?}: {line}");
    }
    // The minimum interval comes from the configuration.
    let run = ws
        .command(&["schedule-preview", "*/2 * * * *", "--count", "1"])
        .env("SECONDHEART__LIMITS__MIN_INTERVAL_MINUTES", "1")
        .output()
        .unwrap();
    assert!(run.status.success());
}
