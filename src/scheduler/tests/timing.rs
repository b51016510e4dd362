//! When prompts go out: daylight saving, quiet hours, pauses, expiry,
//! weekly boards and rotations, in virtual time.

use super::*;

#[tokio::test]
async fn daily_0230_in_berlin_fires_once_a_day_across_both_2027_changes() {
    let s = setup(utc(2027, 3, 26, 12, 0)).await;
    s.app
        .add_schedule(&admin(), request("30 2 * * *", "Europe/Berlin"))
        .await
        .unwrap();
    s.scheduler.run_until(utc(2027, 3, 30, 12, 0)).await;
    assert_eq!(
        local(&s.recorder.post_times(), Europe::Berlin),
        [
            "03-27 02:30+01:00",
            // 02:30 does not exist on the 28th: right after the gap.
            "03-28 03:00+02:00",
            "03-29 02:30+02:00",
            "03-30 02:30+02:00",
        ]
    );

    s.clock.set(utc(2027, 10, 29, 12, 0));
    // Long "downtime" in between: everything missed was skipped, once.
    s.scheduler.run_until(utc(2027, 11, 2, 12, 0)).await;
    let autumn: Vec<_> = s
        .recorder
        .post_times()
        .into_iter()
        .filter(|t| *t > utc(2027, 10, 1, 0, 0))
        .collect();
    assert_eq!(
        local(&autumn, Europe::Berlin),
        [
            "10-30 02:30+02:00",
            // 02:30 happens twice on the 31st: the first pass only.
            "10-31 02:30+02:00",
            "11-01 02:30+01:00",
            "11-02 02:30+01:00",
        ]
    );
}

#[tokio::test]
async fn quiet_hours_pauses_and_expiry_hold_prompts_back() {
    let s = setup(utc(2027, 5, 3, 0, 30)).await;
    s.app
        .set_quiet(&admin(), "19:00-08:00", None)
        .await
        .unwrap();
    let mut req = request("0 * * * *", "UTC");
    req.until = Some(Some("2027-05-05T12:00:00Z".into()));
    let id = s.app.add_schedule(&admin(), req).await.unwrap().schedule.id;

    s.scheduler.run_until(utc(2027, 5, 3, 23, 59)).await;
    let hours: Vec<_> = local(&s.recorder.post_times(), Tz::UTC);
    assert_eq!(hours.len(), 11, "{hours:?}");
    assert_eq!(hours[0], "05-03 08:00+00:00");
    assert_eq!(hours[10], "05-03 18:00+00:00");

    // Paused for 12 hours at 06:00 on the 4th: nothing until 18:00.
    s.clock.set(utc(2027, 5, 4, 6, 0));
    s.app
        .pause_schedule(&admin(), id, Some("12h"))
        .await
        .unwrap();
    s.scheduler.run_until(utc(2027, 5, 4, 23, 0)).await;
    let day2: Vec<_> = s
        .recorder
        .post_times()
        .into_iter()
        .filter(|t| *t >= utc(2027, 5, 4, 0, 0))
        .collect();
    assert_eq!(local(&day2, Tz::UTC), ["05-04 18:00+00:00"]);
    let schedule = s
        .app
        .raw_store()
        .schedule(GuildId(1), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        schedule.state,
        crate::domain::schedule::ScheduleState::Active
    );

    // Expires at noon on the 5th: 08:00 to 11:00, then never again.
    s.scheduler.run_until(utc(2027, 5, 9, 0, 0)).await;
    let day3: Vec<_> = s
        .recorder
        .post_times()
        .into_iter()
        .filter(|t| *t >= utc(2027, 5, 5, 0, 0))
        .collect();
    assert_eq!(day3.len(), 4);
    assert_eq!(day3.last(), Some(&utc(2027, 5, 5, 11, 0)));
    let schedule = s
        .app
        .raw_store()
        .schedule(GuildId(1), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(schedule.next_due_at, None);
}

#[tokio::test]
async fn the_weekly_board_goes_out_on_its_day_through_the_same_claims() {
    // Monday 2027-05-03.
    let s = setup(utc(2027, 5, 3, 9, 0)).await;
    s.app
        .set_leaderboard_channel(&admin(), Some(ChannelId(9)))
        .await
        .unwrap();
    s.app
        .set_board_schedule(&admin(), "fri 16:00", Some("last-week"))
        .await
        .unwrap();
    s.scheduler.run_until(utc(2027, 5, 17, 0, 0)).await;
    let boards = s.recorder.boards.lock().unwrap().clone();
    let times: Vec<_> = boards.iter().map(|b| b.0).collect();
    assert_eq!(times, [utc(2027, 5, 7, 16, 0), utc(2027, 5, 14, 16, 0)]);
    assert!(boards.iter().all(|b| b.1.channel == ChannelId(9)
        && b.1.board.period == crate::domain::leaderboard::Period::LastWeek));
    assert!(s.recorder.post_times().is_empty(), "no prompts");
    // Recorded as posted occurrences, but no prompt counts for consistency.
    assert_eq!(
        s.app
            .raw_store()
            .count_posted(GuildId(1), utc(2027, 5, 1, 0, 0), utc(2027, 6, 1, 0, 0))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_daily_rotation_prompts_one_exercise_a_day_in_turn_and_skipped_days_take_no_turn() {
    let s = setup(utc(2027, 5, 3, 9, 0)).await;
    s.app
        .add_schedule(
            &admin(),
            ScheduleRequest {
                exercise: Some("heel-raises,calf-raises,stretch".into()),
                ..request("0 10 * * *", "UTC")
            },
        )
        .await
        .unwrap();
    let exercises = |s: &Setup| -> Vec<String> {
        s.recorder
            .posts
            .lock()
            .unwrap()
            .iter()
            .map(|(_, p)| p.exercise.key.as_str().to_owned())
            .collect()
    };
    s.scheduler.run_until(utc(2027, 5, 6, 12, 0)).await;
    assert_eq!(
        exercises(&s),
        ["heel-raises", "calf-raises", "stretch", "heel-raises"]
    );
    let shown: Vec<_> = s
        .recorder
        .posts
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| p.rotation.as_ref().map(|r| r.current))
        .collect();
    assert_eq!(shown, [Some(0), Some(1), Some(2), Some(0)]);

    // Down from the 7th to 10:05 on the 10th: the 7th to the 9th are
    // skipped and take no turn; the 10th goes out late with the next one.
    s.clock.set(utc(2027, 5, 10, 10, 5));
    s.scheduler.run_until(utc(2027, 5, 10, 10, 5)).await;
    assert_eq!(
        exercises(&s),
        [
            "heel-raises",
            "calf-raises",
            "stretch",
            "heel-raises",
            "calf-raises"
        ]
    );
}

#[tokio::test]
async fn every_servers_first_prompt_goes_out_before_any_servers_second_across_all_due() {
    // More due at once than one read of the store used to take (500): 170
    // servers of 3 schedules each (the tests' limit), then a server of one,
    // added last, all due at 09:00.
    let s = setup(utc(2027, 5, 3, 8, 0)).await;
    for guild in 1..=171 {
        let caller = crate::app::settings::Caller {
            guild: GuildId(guild),
            ..admin()
        };
        for _ in 0..if guild == 171 { 1 } else { 3 } {
            s.app
                .add_schedule(&caller, request("0 9 * * *", "UTC"))
                .await
                .unwrap();
        }
    }
    s.scheduler.run_until(utc(2027, 5, 3, 9, 0)).await;
    let servers: Vec<GuildId> = s
        .recorder
        .posts
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| p.guild)
        .collect();
    assert_eq!(servers.len(), 170 * 3 + 1);
    let first: std::collections::BTreeSet<_> = servers[..171].iter().collect();
    assert_eq!(first.len(), 171, "one of each server first");
}
