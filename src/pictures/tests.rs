//! Golden pictures: what the renderer draws for fixed figures is compared
//! with the committed PNGs in `tests/golden/`, within a small tolerance
//! (anti-aliasing may differ in the last bit between builds). After a
//! deliberate change of the drawing, write them again with
//! `SECONDHEART_UPDATE_GOLDEN=1 cargo test --lib pictures` and look at them.

use std::path::PathBuf;

use tiny_skia::Pixmap;

use super::*;

fn board() -> Board {
    let names = [
        "Ada Lovelace",
        "Анна Каренина",
        "Σωκράτης",
        "Bo 🏃‍♀️💨",
        "Grace Hopper",
        "Łukasz Żółć",
        "Bartholomew Featherstonehaugh-Wolfeschlegelsteinhausen",
        "李小龍",
        "Zoë",
        "Mo",
    ];
    let rows = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let value = 240.0 - 22.0 * i as f64;
            BoardRow {
                rank: i as u32 + 1,
                name: (*name).to_owned(),
                value,
                figure: format!("{value}"),
                own: false,
            }
        })
        .collect();
    Board {
        title: "Leaderboard: this week".into(),
        subtitle: "by points".into(),
        rows,
        own: Some(BoardRow {
            rank: 23,
            name: "Eve".into(),
            value: 12.0,
            figure: "12".into(),
            own: true,
        }),
        team_goal: Some(GoalBar {
            label: "Team goal: 1,540 of 2,000 points this week".into(),
            done: 1540.0,
            target: 2000.0,
        }),
        empty: "No check-ins yet.".into(),
    }
}

fn chart() -> Chart {
    let series = vec![
        "calf-raises".to_owned(),
        "walk".to_owned(),
        "heel-raises".to_owned(),
    ];
    let days = (0..28)
        .map(|d| ChartDay {
            label: (d % 7 == 0).then(|| format!("Mon {}", 2 + d)),
            values: vec![
                f64::from((d * 7) % 11),
                if d % 3 == 0 { 0.0 } else { 6.0 },
                f64::from(d % 4),
            ],
            goals_met: d % 5 != 0,
        })
        .collect();
    Chart {
        title: "Ada: the last 4 weeks".into(),
        subtitle: "points per day, by exercise".into(),
        series,
        days,
        goal_legend: Some("every goal met".into()),
    }
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares a drawn picture with its golden PNG: the same size, no pixel
/// channel off by more than 48, and on average less than 0.5.
fn matches_golden(picture: &Picture, name: &str) {
    let path = golden(name);
    if std::env::var_os("SECONDHEART_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &picture.png).unwrap();
    }
    let drawn = Pixmap::decode_png(&picture.png).unwrap();
    let expected = Pixmap::decode_png(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap();
    assert_eq!(
        (drawn.width(), drawn.height()),
        (expected.width(), expected.height()),
        "{name}"
    );
    let (mut total, mut worst) = (0u64, 0u8);
    for (a, b) in drawn.data().iter().zip(expected.data()) {
        let off = a.abs_diff(*b);
        total += u64::from(off);
        worst = worst.max(off);
    }
    let mean = total as f64 / drawn.data().len() as f64;
    assert!(
        worst <= 48 && mean < 0.5,
        "{name}: worst {worst}, mean {mean}"
    );
}

#[test]
fn the_board_looks_as_it_did() {
    let picture = board().draw().unwrap();
    assert_eq!((picture.width, picture.height), (800, 696));
    matches_golden(&picture, "board.png");
}

#[test]
fn the_chart_looks_as_it_did() {
    let picture = chart().draw().unwrap();
    assert_eq!((picture.width, picture.height), (800, 420));
    matches_golden(&picture, "chart.png");
}

#[test]
fn a_different_board_does_not_pass_for_the_golden_one() {
    let mut other = board();
    other.rows.swap(0, 3);
    let drawn = Pixmap::decode_png(&other.draw().unwrap().png).unwrap();
    let expected = Pixmap::decode_png(&std::fs::read(golden("board.png")).unwrap()).unwrap();
    let worst = drawn
        .data()
        .iter()
        .zip(expected.data())
        .map(|(a, b)| a.abs_diff(*b))
        .max();
    assert!(worst > Some(48));
}

#[test]
fn the_alt_text_says_what_the_picture_shows() {
    let picture = board().draw().unwrap();
    assert!(
        picture.alt_text.starts_with(
            "Leaderboard: this week, by points. 1. Ada Lovelace: 240. 2. Анна Каренина: 218."
        ),
        "{}",
        picture.alt_text
    );
    assert!(picture.alt_text.contains("Your place: 23. Eve: 12."));
    assert!(picture
        .alt_text
        .ends_with("Team goal: 1,540 of 2,000 points this week."));
    let chart = chart().draw().unwrap();
    assert!(
        chart
            .alt_text
            .contains("Totals: calf-raises 138, walk 108, heel-raises 42."),
        "{}",
        chart.alt_text
    );
    assert!(
        chart.alt_text.ends_with("Every goal met on 22 days."),
        "{}",
        chart.alt_text
    );
}

#[test]
fn a_board_of_long_names_stays_within_its_description_limit() {
    let mut big = board();
    big.rows = (0..10)
        .map(|i| BoardRow {
            rank: i + 1,
            name: "x".repeat(300),
            value: 1.0,
            figure: "1".into(),
            own: false,
        })
        .collect();
    let picture = big.draw().unwrap();
    assert_eq!(picture.alt_text.chars().count(), 1024);
}

#[test]
fn an_empty_board_says_so() {
    let mut empty = board();
    empty.rows.clear();
    empty.own = None;
    empty.team_goal = None;
    let picture = empty.draw().unwrap();
    assert_eq!(
        picture.alt_text,
        "Leaderboard: this week, by points. No check-ins yet."
    );
}
