//! What the `cron` crate and `croner` make of the expressions moderators
//! write: the measurement behind choosing croner (see README).
//!
//! cargo run -p secondheart-benches --bin cron_compare

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use chrono_tz::Europe::Berlin;

fn main() {
    println!("5-field expression \"30 2 * * *\":");
    println!(
        "  cron:   {}",
        match cron::Schedule::from_str("30 2 * * *") {
            Ok(_) => "accepted".to_owned(),
            Err(e) => format!(
                "rejected ({})",
                e.to_string().lines().next().unwrap_or_default()
            ),
        }
    );
    println!(
        "  croner: {}",
        match croner::Cron::from_str("30 2 * * *") {
            Ok(_) => "accepted".to_owned(),
            Err(e) => format!("rejected ({e})"),
        }
    );

    // Day-of-week 1: Monday in POSIX cron.
    let monday = Utc.with_ymd_and_hms(2027, 1, 4, 0, 0, 0).unwrap();
    let cron_days: Vec<_> = cron::Schedule::from_str("0 0 9 * * 1")
        .unwrap()
        .after(&monday)
        .take(2)
        .map(|t| t.format("%a %F").to_string())
        .collect();
    let croner_days: Vec<_> = croner::Cron::from_str("0 9 * * 1")
        .unwrap()
        .iter_after(monday)
        .take(2)
        .map(|t| t.format("%a %F").to_string())
        .collect();
    println!("day-of-week 1 from Mon 2027-01-04:");
    println!("  cron:   {cron_days:?}");
    println!("  croner: {croner_days:?}");

    // Daily 02:30 in Berlin across both daylight-saving changes of 2027.
    for (label, from) in [
        (
            "spring forward (no 02:30 on 2027-03-28)",
            Berlin.with_ymd_and_hms(2027, 3, 27, 0, 0, 0).unwrap(),
        ),
        (
            "fall back (02:30 twice on 2027-10-31)",
            Berlin.with_ymd_and_hms(2027, 10, 30, 0, 0, 0).unwrap(),
        ),
    ] {
        let by_cron: Vec<_> = cron::Schedule::from_str("0 30 2 * * *")
            .unwrap()
            .after(&from)
            .take(3)
            .map(|t| t.format("%F %H:%M%:z").to_string())
            .collect();
        let by_croner: Vec<_> = croner::Cron::from_str("30 2 * * *")
            .unwrap()
            .iter_after(from)
            .take(3)
            .map(|t| t.format("%F %H:%M%:z").to_string())
            .collect();
        println!("daily 02:30 Europe/Berlin, {label}:");
        println!("  cron:   {by_cron:?}");
        println!("  croner: {by_croner:?}");
    }
}
