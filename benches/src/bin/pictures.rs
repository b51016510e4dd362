//! How long the pictures take to draw and how big they are: a 10-row
//! leaderboard (with the member's own place and a team goal) and a 4-week
//! chart of four exercises, drawn `rounds` times each on one thread.
//!
//! `cargo run --release -p secondheart-benches --bin pictures -- 200`

use std::time::{Duration, Instant};

use secondheart::pictures::{Board, BoardRow, Chart, ChartDay, GoalBar, Picture};

fn board(round: usize) -> Board {
    let names = [
        "Ada Lovelace",
        "Анна Каренина",
        "Σωκράτης",
        "Bo 🏃‍♀️",
        "Grace Hopper",
        "Łukasz Żółć",
        "Bartholomew Featherstonehaugh",
        "李小龍",
        "Zoë",
        "Mo",
    ];
    Board {
        title: "Leaderboard: this week".into(),
        subtitle: "by points".into(),
        rows: names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                // Different figures each round, so nothing is drawn twice.
                let value = (2_400 - 200 * i + round % 97) as f64;
                BoardRow {
                    rank: i as u32 + 1,
                    name: (*name).to_owned(),
                    value,
                    figure: format!("{value}"),
                    own: false,
                }
            })
            .collect(),
        own: Some(BoardRow {
            rank: 23,
            name: "Eve".into(),
            value: 120.0,
            figure: "120".into(),
            own: true,
        }),
        team_goal: Some(GoalBar {
            label: "Team goal: 15,400 of 20,000 points this week".into(),
            done: 15_400.0,
            target: 20_000.0,
        }),
        empty: "No check-ins yet.".into(),
    }
}

fn chart(round: usize) -> Chart {
    Chart {
        title: "Ada: the last 4 weeks".into(),
        subtitle: "points per day, by exercise".into(),
        series: ["calf-raises", "walk", "heel-raises", "stretch"]
            .map(String::from)
            .to_vec(),
        days: (0..28)
            .map(|d| ChartDay {
                label: (d % 7 == 0).then(|| format!("Mon {}", 2 + d)),
                values: (0..4)
                    .map(|s| ((d * 7 + s * 3 + round) % 11) as f64)
                    .collect(),
                goals_met: d % 5 != 0,
            })
            .collect(),
        goal_legend: Some("every goal met".into()),
    }
}

fn measure(what: &str, rounds: usize, draw: impl Fn(usize) -> Picture) {
    let mut times = Vec::with_capacity(rounds);
    let mut sizes = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let start = Instant::now();
        let picture = draw(round);
        times.push(start.elapsed());
        sizes.push(picture.png.len());
    }
    times.sort();
    sizes.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what:<22} p50 {:>6.2} ms  p99 {:>6.2} ms  PNG {:.1} KB (median of {rounds})",
        ms(at(0.5)),
        ms(at(0.99)),
        sizes[sizes.len() / 2] as f64 / 1024.0,
    );
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    measure("board, 10 rows", rounds, |r| {
        board(r).draw().expect("draw the board")
    });
    measure("chart, 4 weeks", rounds, |r| {
        chart(r).draw().expect("draw the chart")
    });
}
