use chrono::{NaiveDate, Weekday};
use chrono_tz::{America, Asia, Australia, Europe, Pacific};

use super::*;

fn spec(s: &str) -> ScheduleSpec {
    ScheduleSpec::parse(s, 0).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The first `n` firings after `from`, as local RFC 3339 with a DST mark.
fn show(s: &str, tz: Tz, from: &str, n: usize) -> Vec<String> {
    firings(&spec(s), tz, utc(from))
        .take(n)
        .map(|f| {
            let mark = match f.dst {
                DstEffect::None => "",
                DstEffect::MovedAfterGap => " moved",
                DstEffect::Repeated => " repeated",
            };
            format!("{}{mark}", f.local(tz).format("%m-%d %H:%M%:z"))
        })
        .collect()
}

#[test]
fn berlin_spring_forward_moves_a_fixed_time_after_the_gap() {
    assert_eq!(
        show("30 2 * * *", Europe::Berlin, "2027-03-26T12:00:00Z", 3),
        [
            "03-27 02:30+01:00",
            "03-28 03:00+02:00 moved",
            "03-29 02:30+02:00"
        ]
    );
}

#[test]
fn berlin_fall_back_fires_a_fixed_time_once() {
    assert_eq!(
        show("30 2 * * *", Europe::Berlin, "2027-10-30T12:00:00Z", 2),
        ["10-31 02:30+02:00", "11-01 02:30+01:00"]
    );
    // Two hours in the list do not make it a real-clock schedule.
    assert_eq!(
        show("30 2,14 * * *", Europe::Berlin, "2027-10-30T00:00:00Z", 6),
        [
            "10-30 02:30+02:00",
            "10-30 14:30+02:00",
            "10-31 02:30+02:00",
            "10-31 14:30+01:00",
            "11-01 02:30+01:00",
            "11-01 14:30+01:00"
        ]
    );
}

#[test]
fn real_clock_schedules_fire_in_both_passes_and_skip_the_gap() {
    assert_eq!(
        show("*/30 * * * *", Europe::Berlin, "2027-10-31T00:00:00Z", 5),
        [
            "10-31 02:30+02:00 repeated",
            "10-31 02:00+01:00 repeated",
            "10-31 02:30+01:00 repeated",
            "10-31 03:00+01:00",
            "10-31 03:30+01:00"
        ]
    );
    assert_eq!(
        show("*/30 * * * *", Europe::Berlin, "2027-03-28T00:15:00Z", 3),
        [
            "03-28 01:30+01:00",
            "03-28 03:00+02:00",
            "03-28 03:30+02:00"
        ]
    );
    // A step in the hour field follows the real clock too.
    assert_eq!(
        show("0 */1 * * *", Europe::Berlin, "2027-10-30T23:30:00Z", 3),
        [
            "10-31 02:00+02:00 repeated",
            "10-31 02:00+01:00 repeated",
            "10-31 03:00+01:00"
        ]
    );
}

#[test]
fn fixed_times_in_one_gap_fire_once_after_it() {
    assert_eq!(
        show("0,30 2 * * *", Europe::Berlin, "2027-03-28T00:00:00Z", 2),
        ["03-28 03:00+02:00 moved", "03-29 02:00+02:00"]
    );
    assert_eq!(
        show("*/30 2-3 * * *", Europe::Berlin, "2027-03-28T00:00:00Z", 3),
        [
            "03-28 03:00+02:00 moved",
            "03-28 03:30+02:00",
            "03-29 02:00+02:00"
        ]
    );
}

#[test]
fn new_york_changes() {
    assert_eq!(
        show("30 2 * * *", America::New_York, "2027-03-13T05:00:00Z", 3),
        [
            "03-13 02:30-05:00",
            "03-14 03:00-04:00 moved",
            "03-15 02:30-04:00"
        ]
    );
    assert_eq!(
        show("30 1 * * *", America::New_York, "2027-11-06T12:00:00Z", 2),
        ["11-07 01:30-04:00", "11-08 01:30-05:00"]
    );
    assert_eq!(
        show("15 * * * *", America::New_York, "2027-11-07T04:30:00Z", 3),
        [
            "11-07 01:15-04:00 repeated",
            "11-07 01:15-05:00 repeated",
            "11-07 02:15-05:00"
        ]
    );
}

#[test]
fn weekday_schedules_fire_monday_to_friday_only() {
    let days: Vec<Weekday> = firings(
        &spec("30 9 * * 1-5"),
        America::New_York,
        utc("2027-01-01T00:00:00Z"),
    )
    .take(20)
    .map(|f| chrono::Datelike::weekday(&f.local(America::New_York)))
    .collect();
    assert!(days
        .iter()
        .all(|d| !matches!(d, Weekday::Sat | Weekday::Sun)));
    assert_eq!(
        days[..5],
        [
            Weekday::Fri,
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu
        ]
    );
}

/// The first `n` firings from 1 August 2027 (UTC), as "Mon 02".
fn august_days(text: &str, n: usize) -> Vec<String> {
    firings(&spec(text), Tz::UTC, utc("2027-08-01T00:00:00Z"))
        .take(n)
        .map(|f| f.at.format("%a %d").to_string())
        .collect()
}

#[test]
fn a_day_matching_either_day_field_fires() {
    // Vixie cron: day-of-month 13 OR Friday, when both are restricted.
    assert_eq!(
        august_days("0 9 13 * 5", 4),
        ["Fri 06", "Fri 13", "Fri 20", "Fri 27"]
    );
    assert_eq!(august_days("0 9 13 * 1", 3), ["Mon 02", "Mon 09", "Fri 13"]);
    // A `*` day field leaves the other in charge alone.
    assert_eq!(august_days("0 9 * * 1", 2), ["Mon 02", "Mon 09"]);
}

#[test]
fn a_star_step_day_field_makes_both_day_fields_apply() {
    // Vixie: `*/2` counts as unrestricted, so odd days that are Mondays.
    assert_eq!(
        august_days("0 9 */2 * 1", 3),
        ["Mon 09", "Mon 23", "Mon 13"]
    );
    // Two restricted fields: either. `1-31` is restricted, so every day.
    assert_eq!(
        august_days("0 9 1-31 * 1", 3),
        ["Sun 01", "Mon 02", "Tue 03"]
    );
}

#[test]
fn a_leap_day_schedule_finds_its_next_leap_day() {
    let next = next_due(
        &spec("0 9 29 2 *"),
        Tz::UTC,
        &Quiet::none(),
        Window::default(),
        utc("2096-03-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(next.at, utc("2104-02-29T09:00:00Z"));
}

#[test]
fn lord_howe_shifts_by_half_an_hour() {
    // Lord Howe: +11:00 in summer, +10:30 in winter; the change is at 02:00.
    assert_eq!(
        show(
            "45 1 * * *",
            Australia::Lord_Howe,
            "2027-04-02T00:00:00Z",
            3
        ),
        [
            "04-03 01:45+11:00",
            "04-04 01:45+11:00",
            "04-05 01:45+10:30"
        ]
    );
    assert_eq!(
        show(
            "15 2 * * *",
            Australia::Lord_Howe,
            "2027-10-01T00:00:00Z",
            3
        ),
        [
            "10-02 02:15+10:30",
            "10-03 02:30+11:00 moved",
            "10-04 02:15+11:00"
        ]
    );
}

#[test]
fn auckland_changes_in_the_southern_hemisphere() {
    // Clocks go back on 2027-04-04 and forward on 2027-09-26.
    assert_eq!(
        show("30 2 * * *", Pacific::Auckland, "2027-04-02T12:00:00Z", 3),
        [
            "04-03 02:30+13:00",
            "04-04 02:30+13:00",
            "04-05 02:30+12:00"
        ]
    );
    assert_eq!(
        show("30 2 * * *", Pacific::Auckland, "2027-09-24T12:00:00Z", 3),
        [
            "09-25 02:30+12:00",
            "09-26 03:00+13:00 moved",
            "09-27 02:30+13:00"
        ]
    );
}

#[test]
fn kolkata_has_no_changes() {
    let all: Vec<_> = firings(
        &spec("30 2 * * *"),
        Asia::Kolkata,
        utc("2027-01-01T00:00:00Z"),
    )
    .take(365)
    .collect();
    assert!(all.iter().all(|f| f.dst == DstEffect::None));
    assert!(all
        .windows(2)
        .all(|w| w[1].at - w[0].at == Duration::days(1)));
}

#[test]
fn quiet_hours_days_pauses_and_expiry_suppress_firings() {
    let s = spec("0 * * * *");
    let tz = Europe::Berlin;
    let quiet = Quiet {
        tz,
        hours: Some(QuietHours {
            start: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        }),
        days: [Weekday::Sat, Weekday::Sun].into_iter().collect(),
    };
    // Friday 2027-01-08 18:30 Berlin: 19:00 is quiet, then the weekend.
    let next = next_due(
        &s,
        tz,
        &quiet,
        Window::default(),
        utc("2027-01-08T17:30:00Z"),
    )
    .unwrap();
    assert_eq!(next.local(tz).to_rfc3339(), "2027-01-11T08:00:00+01:00");
    assert!(quiet.contains(utc("2027-01-08T18:00:00Z")));
    assert!(!quiet.contains(utc("2027-01-08T17:00:00Z")));

    // A pause ends exactly at a firing: that firing goes out.
    let window = Window {
        paused_until: Some(utc("2027-01-11T09:00:00Z")),
        expires_at: None,
    };
    let next = next_due(&s, tz, &Quiet::none(), window, utc("2027-01-11T07:00:00Z")).unwrap();
    assert_eq!(next.at, utc("2027-01-11T09:00:00Z"));

    let window = Window {
        paused_until: None,
        expires_at: Some(utc("2027-01-11T09:00:00Z")),
    };
    assert_eq!(
        next_due(&s, tz, &Quiet::none(), window, utc("2027-01-11T08:00:00Z")).map(|f| f.at),
        None
    );
    // Quiet hours that cover every firing: no next firing, no endless search.
    let always = Quiet {
        tz,
        hours: None,
        days: [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ]
        .into_iter()
        .collect(),
    };
    assert_eq!(
        next_due(
            &s,
            tz,
            &always,
            Window::default(),
            utc("2027-01-11T08:00:00Z")
        ),
        None
    );
}

#[test]
fn quiet_hours_use_the_servers_zone_not_the_schedules() {
    let quiet = Quiet {
        tz: America::New_York,
        hours: Some(QuietHours {
            start: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        }),
        days: WeekdaySet::EMPTY,
    };
    // 09:00 in Berlin is 03:00 in New York: quiet.
    let s = spec("0 9 * * *");
    let next = next_due(
        &s,
        Europe::Berlin,
        &quiet,
        Window::default(),
        utc("2027-01-05T00:00:00Z"),
    );
    assert_eq!(next, None, "every 09:00 Berlin is at night in New York");
    let s = spec("0 15 * * *");
    let next = next_due(
        &s,
        Europe::Berlin,
        &quiet,
        Window::default(),
        utc("2027-01-05T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        next.local(America::New_York).naive_local(),
        NaiveDate::from_ymd_opt(2027, 1, 5)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const ZONES: [Tz; 7] = [
        Europe::Berlin,
        America::New_York,
        Australia::Lord_Howe,
        Pacific::Auckland,
        Asia::Kolkata,
        America::Santiago,
        Tz::UTC,
    ];

    fn spec_text() -> impl Strategy<Value = String> {
        let minute = prop_oneof![
            (0u32..60).prop_map(|m| m.to_string()),
            Just("*/15".to_owned()),
            Just("0,30".to_owned()),
            Just("*/10".to_owned()),
        ];
        let hour = prop_oneof![
            (0u32..24).prop_map(|h| h.to_string()),
            Just("*".to_owned()),
            Just("*/2".to_owned()),
            Just("1-3".to_owned()),
            Just("2,14".to_owned()),
            (0u32..20).prop_map(|h| format!("{h}-{}/2", h + 4)),
        ];
        let weekday = prop_oneof![Just("*"), Just("1-5"), Just("0,6"), Just("3")];
        (minute, hour, weekday).prop_map(|(m, h, w)| format!("{m} {h} * * {w}"))
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2026 to 2030, any second.
        (1_767_225_600i64..1_893_456_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    proptest! {
        #![proptest_config(crate::domain::proptest_config())]

        #[test]
        fn firings_increase_and_match_their_local_time(
            text in spec_text(),
            zone in 0..ZONES.len(),
            from in instant(),
        ) {
            let tz = ZONES[zone];
            let s = spec(&text);
            let mut previous = from;
            for firing in firings(&s, tz, from).take(60) {
                prop_assert!(firing.at > previous, "{} not after {}", firing.at, previous);
                previous = firing.at;
                prop_assert!(s.croner().is_time_matching(&firing.wall).unwrap());
                let local = firing.local(tz).naive_local();
                match firing.dst {
                    DstEffect::MovedAfterGap => {
                        prop_assert!(!s.follows_real_clock());
                        prop_assert!(tz.from_local_datetime(&firing.wall).earliest().is_none());
                        // The first instant after the gap: a second earlier
                        // the clock still read before the scheduled time.
                        let before = (firing.at - Duration::seconds(1)).with_timezone(&tz).naive_local();
                        prop_assert!(before < firing.wall && local > firing.wall);
                    }
                    DstEffect::Repeated => {
                        prop_assert!(s.follows_real_clock());
                        prop_assert_eq!(local, firing.wall);
                    }
                    DstEffect::None => prop_assert_eq!(local, firing.wall),
                }
            }
        }

        #[test]
        fn fixed_times_fire_once_per_local_time(
            text in spec_text(),
            zone in 0..ZONES.len(),
            from in instant(),
        ) {
            let tz = ZONES[zone];
            let s = spec(&text);
            if s.follows_real_clock() {
                return Ok(());
            }
            let walls: Vec<_> = firings(&s, tz, from).take(60).map(|f| f.wall).collect();
            let mut unique = walls.clone();
            unique.dedup();
            prop_assert_eq!(walls, unique);
        }

        #[test]
        fn no_due_firing_falls_in_quiet_time(
            text in spec_text(),
            zone in 0..ZONES.len(),
            from in instant(),
            start in 0u32..24,
            end in 0u32..24,
            quiet_day in 0u8..7,
        ) {
            prop_assume!(start != end);
            let quiet = Quiet {
                tz: ZONES[(zone + 1) % ZONES.len()],
                hours: Some(QuietHours {
                    start: NaiveTime::from_hms_opt(start, 0, 0).unwrap(),
                    end: NaiveTime::from_hms_opt(end, 0, 0).unwrap(),
                }),
                days: WeekdaySet::from_bits(1 << quiet_day).unwrap(),
            };
            let s = spec(&text);
            let mut after = from;
            for _ in 0..10 {
                let Some(next) = next_due(&s, ZONES[zone], &quiet, Window::default(), after) else { break };
                prop_assert!(!quiet.contains(next.at));
                prop_assert!(next.at > after);
                after = next.at;
            }
        }
    }
}
