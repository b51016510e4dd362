use chrono::{Duration, NaiveDate, TimeZone};

use super::*;
use crate::store::test_support::{temp_store, TestBackend};

on_both_backends!(
    a_check_in_is_stored_once_per_interaction,
    latest_delete_and_periods_are_scoped_to_member_and_server,
    totals_sum_per_member_for_a_period_and_exercise,
    day_sums_follow_every_path_that_adds_or_removes_check_ins,
    period_sums_are_exact_whatever_days_the_bounds_cut,
    the_one_trip_check_in_reads_and_writes_as_the_separate_calls_do,
);

pub(crate) fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap()
}

pub(crate) fn checkin(
    interaction: u64,
    guild: u64,
    user: u64,
    exercise: &str,
    amount: u32,
    when: DateTime<Utc>,
) -> NewCheckIn {
    NewCheckIn {
        interaction: InteractionId(interaction),
        guild: GuildId(guild),
        user: UserId(user),
        exercise: ExerciseKey::parse(exercise).unwrap(),
        amount,
        points: i64::from(amount) * 2,
        at: when,
        local_date: when.date_naive(),
        source: Source::Command,
        occurrence: None,
        recorded_by: None,
        note: None,
    }
}

async fn a_check_in_is_stored_once_per_interaction(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let mut new = checkin(1000, 1, 7, "walk", 30, at(1, 9));
    new.note = Some("around the block".into());
    new.local_date = NaiveDate::from_ymd_opt(2027, 2, 28).unwrap();
    let Recorded::New(first) = store.record_checkin(new.clone()).await.unwrap() else {
        panic!("first delivery is new")
    };
    assert_eq!(first.amount, 30);
    assert_eq!(first.points, 60);
    assert_eq!(first.note.as_deref(), Some("around the block"));
    assert_eq!(
        first.local_date,
        NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
    );

    // The same interaction again, even with other values: the first stays.
    let mut again = new.clone();
    again.amount = 99;
    assert_eq!(
        store.record_checkin(again).await.unwrap(),
        Recorded::Duplicate(first.clone())
    );
    assert_eq!(
        store
            .member_checkins(GuildId(1), UserId(7), at(1, 0), at(2, 0))
            .await
            .unwrap(),
        vec![first]
    );
    store.close().await;
}

async fn latest_delete_and_periods_are_scoped_to_member_and_server(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    let a = store
        .record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9)))
        .await
        .unwrap();
    let b = store
        .record_checkin(checkin(2, 1, 7, "water", 1, at(1, 10)))
        .await
        .unwrap();
    store
        .record_checkin(checkin(3, 1, 8, "walk", 5, at(1, 11)))
        .await
        .unwrap();
    store
        .record_checkin(checkin(4, 2, 7, "walk", 5, at(1, 12)))
        .await
        .unwrap();

    assert_eq!(
        store
            .latest_checkin(GuildId(1), UserId(7))
            .await
            .unwrap()
            .as_ref(),
        Some(b.checkin())
    );
    assert_eq!(
        store.latest_checkin(GuildId(3), UserId(7)).await.unwrap(),
        None
    );
    assert_eq!(
        store.first_checkin_at(GuildId(1), UserId(7)).await.unwrap(),
        Some(at(1, 9))
    );
    assert_eq!(
        store.first_checkin_at(GuildId(1), UserId(9)).await.unwrap(),
        None
    );
    let window = store
        .member_checkins(GuildId(1), UserId(7), at(1, 9), at(1, 10))
        .await
        .unwrap();
    assert_eq!(window, vec![a.checkin().clone()]);

    // Not someone else's, not in another server.
    let b_id = b.checkin().id;
    assert!(!store
        .delete_checkin(GuildId(1), UserId(8), b_id)
        .await
        .unwrap());
    assert!(!store
        .delete_checkin(GuildId(2), UserId(7), b_id)
        .await
        .unwrap());
    assert!(store
        .delete_checkin(GuildId(1), UserId(7), b_id)
        .await
        .unwrap());
    assert!(!store
        .delete_checkin(GuildId(1), UserId(7), b_id)
        .await
        .unwrap());
    assert_eq!(
        store
            .latest_checkin(GuildId(1), UserId(7))
            .await
            .unwrap()
            .as_ref(),
        Some(a.checkin())
    );
    store.close().await;
}

async fn totals_sum_per_member_for_a_period_and_exercise(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    store
        .record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9)))
        .await
        .unwrap();
    store
        .record_checkin(checkin(2, 1, 7, "walk", 20, at(1, 15)))
        .await
        .unwrap();
    store
        .record_checkin(checkin(3, 1, 7, "water", 1, at(1, 16)))
        .await
        .unwrap();
    store
        .record_checkin(checkin(4, 1, 8, "walk", 30, at(1, 10)))
        .await
        .unwrap();
    store
        .record_checkin(checkin(5, 1, 8, "walk", 30, at(2, 10)))
        .await
        .unwrap(); // next day
    store
        .record_checkin(checkin(6, 2, 9, "walk", 99, at(1, 10)))
        .await
        .unwrap(); // other server

    let totals = store
        .member_totals(GuildId(1), at(1, 0), at(2, 0), None)
        .await
        .unwrap();
    assert_eq!(
        totals,
        vec![
            MemberTotal {
                user: UserId(7),
                points: 62,
                amount: 31,
                checkins: 3,
                reached_at: at(1, 16)
            },
            MemberTotal {
                user: UserId(8),
                points: 60,
                amount: 30,
                checkins: 1,
                reached_at: at(1, 10)
            },
        ]
    );
    let walk = ExerciseKey::parse("walk").unwrap();
    let day = at(1, 0).date_naive();
    assert_eq!(
        store
            .day_amount(GuildId(1), UserId(7), &walk, day)
            .await
            .unwrap(),
        30
    );
    assert_eq!(
        store
            .day_amount(GuildId(1), UserId(8), &walk, day)
            .await
            .unwrap(),
        30
    );
    assert_eq!(
        store
            .day_amount(GuildId(2), UserId(7), &walk, day)
            .await
            .unwrap(),
        0
    );
    let walks = store
        .member_totals(
            GuildId(1),
            at(1, 0),
            at(1, 0) + Duration::days(2),
            Some(&walk),
        )
        .await
        .unwrap();
    assert_eq!(
        walks.iter().map(|t| (t.user, t.amount)).collect::<Vec<_>>(),
        vec![(UserId(7), 30), (UserId(8), 60)]
    );
    assert!(store
        .member_totals(GuildId(3), at(1, 0), at(2, 0), None)
        .await
        .unwrap()
        .is_empty());
    store.close().await;
}

/// `checkin_days` and `checkin_members` as stored, and as summed again
/// from `checkins`: they must be the same after every change.
pub(crate) async fn assert_days_match_checkins(store: &Store, after: &str) {
    // The same SQL on both backends (sums cast back to integers, which
    // PostgreSQL widens).
    const STORED_DAYS: &str = "SELECT guild_id, exercise, user_id, local_date, amount, points,
                checkins, moderated, first_at, last_at
         FROM checkin_days ORDER BY guild_id, exercise, user_id, local_date";
    const SUMMED_DAYS: &str = "SELECT guild_id, exercise, user_id, local_date,
                CAST(SUM(amount) AS BIGINT), CAST(SUM(points) AS BIGINT), COUNT(*),
                CAST(SUM(CASE WHEN source = 'moderator' THEN 1 ELSE 0 END) AS BIGINT),
                MIN(occurred_at), MAX(occurred_at)
         FROM (SELECT guild_id, exercise, user_id, local_date, amount, points, source, occurred_at
               FROM checkins
               UNION ALL
               SELECT guild_id, '*', user_id, local_date, amount, points, source, occurred_at
               FROM checkins) AS c
         GROUP BY guild_id, exercise, user_id, local_date
         ORDER BY guild_id, exercise, user_id, local_date";
    const STORED_MEMBERS: &str =
        "SELECT guild_id, exercise, user_id, amount, points, checkins, first_at, last_at
         FROM checkin_members ORDER BY guild_id, exercise, user_id";
    const SUMMED_MEMBERS: &str = "SELECT guild_id, exercise, user_id, CAST(SUM(amount) AS BIGINT),
                CAST(SUM(points) AS BIGINT), COUNT(*), MIN(occurred_at), MAX(occurred_at)
         FROM (SELECT guild_id, exercise, user_id, amount, points, occurred_at FROM checkins
               UNION ALL
               SELECT guild_id, '*', user_id, amount, points, occurred_at FROM checkins) AS c
         GROUP BY guild_id, exercise, user_id
         ORDER BY guild_id, exercise, user_id";
    type Day = (i64, String, i64, String, i64, i64, i64, i64, i64, i64);
    type Member = (i64, String, i64, i64, i64, i64, i64, i64);
    macro_rules! compare {
        ($pool:expr) => {{
            let read_days = |sql| sqlx::query_as::<_, Day>(sql).fetch_all($pool);
            let (stored, summed) = (read_days(STORED_DAYS).await, read_days(SUMMED_DAYS).await);
            assert_eq!(stored.unwrap(), summed.unwrap(), "after {after}");
            let read_members = |sql| sqlx::query_as::<_, Member>(sql).fetch_all($pool);
            let (stored, summed) = (
                read_members(STORED_MEMBERS).await,
                read_members(SUMMED_MEMBERS).await,
            );
            assert_eq!(stored.unwrap(), summed.unwrap(), "members after {after}");
        }};
    }
    match &store.backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite(db) => compare!(&db.readers),
        #[cfg(feature = "postgres")]
        Backend::Postgres(db) => compare!(db.sums_pool()),
    }
}

async fn day_sums_follow_every_path_that_adds_or_removes_check_ins(backend: TestBackend) {
    use crate::domain::occurrence::Answer;
    use crate::domain::occurrence::ClaimOutcome;
    use crate::domain::MessageId;
    use crate::store::occurrences::tests::claim;
    use crate::store::schedules::tests::{new_schedule, t};
    use crate::store::Finish;
    use crate::store::PromptCheckIn;

    let (store, _db) = backend.temp_store().await;
    // `/checkin`: 7 walks three times on 1 March (the middle one first),
    // drinks once; 8 walks on two days, the second dated the day before
    // in their own zone.
    for (interaction, user, exercise, amount, when) in [
        (1, 7, "walk", 10, at(1, 12)),
        (2, 7, "walk", 20, at(1, 9)),
        (3, 7, "walk", 30, at(1, 15)),
        (4, 7, "water", 1, at(1, 10)),
        (5, 8, "walk", 5, at(1, 11)),
    ] {
        store
            .record_checkin(checkin(interaction, 1, user, exercise, amount, when))
            .await
            .unwrap();
    }
    let mut late = checkin(6, 1, 8, "walk", 7, at(2, 3));
    late.local_date = at(1, 0).date_naive();
    store.record_checkin(late).await.unwrap();
    assert_days_match_checkins(&store, "check-ins").await;

    // The one-trip check-in, and the same interaction again (not counted
    // twice).
    for _ in 0..2 {
        store
            .record_checkin_with(
                GuildId(1),
                UserId(7),
                "member 7".into(),
                at(1, 16),
                |_, _| Ok::<_, ()>(checkin(7, 1, 7, "walk", 5, at(1, 16))),
                |new, _| new,
            )
            .await
            .unwrap()
            .unwrap();
    }
    assert_days_match_checkins(&store, "the one-trip check-in").await;

    // `/checkin-for`: a moderator logs one for 8.
    let mut moderated = checkin(8, 1, 8, "water", 2, at(1, 13));
    moderated.source = Source::Moderator;
    moderated.recorded_by = Some(UserId(7));
    store.record_checkin(moderated).await.unwrap();
    assert_days_match_checkins(&store, "a moderator's check-in").await;

    // A prompt's "done" button.
    let s = store
        .insert_schedule(new_schedule(1, Some(t(9, 0))))
        .await
        .unwrap();
    let ClaimOutcome::Claimed(o) = store
        .claim_occurrence(claim(s.id, "a", t(9, 0)))
        .await
        .unwrap()
    else {
        panic!("claimed")
    };
    store
        .finish_occurrence(o.id, "a", Finish::Posted(MessageId(1)), t(9, 0))
        .await
        .unwrap();
    let mut done = checkin(9, 1, 9, "walk", 10, t(9, 5));
    done.source = Source::Button;
    done.occurrence = Some(o.id);
    store
        .answer_prompt(
            GuildId(1),
            o.id,
            UserId(9),
            Answer::Done,
            Some(PromptCheckIn::as_given(done)),
            t(9, 5),
        )
        .await
        .unwrap();
    assert_days_match_checkins(&store, "a done button").await;

    // `/undo` and a withdrawn reply: the day's first, then its last
    // check-in, then a day's only one.
    for interaction in [2, 7, 4] {
        let id = store
            .member_checkins(GuildId(1), UserId(7), at(1, 0), at(3, 0))
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.interaction == InteractionId(interaction))
            .unwrap()
            .id;
        assert!(store
            .delete_checkin(GuildId(1), UserId(7), id)
            .await
            .unwrap());
        assert_days_match_checkins(&store, &format!("undoing check-in {interaction}")).await;
    }

    // Retention moves the days before 2 March out.
    store.expire_checkins(at(1, 12), 100).await.unwrap();
    assert_days_match_checkins(&store, "retention").await;

    // `/forget-me`.
    store
        .forget_member(GuildId(1), UserId(8), at(3, 0))
        .await
        .unwrap();
    assert_days_match_checkins(&store, "forget-me").await;

    // A departed server's purge, a row at a time; another server's day
    // stays.
    store
        .record_checkin(checkin(10, 2, 7, "walk", 10, at(1, 9)))
        .await
        .unwrap();
    store.mark_departed(GuildId(1), at(3, 0)).await.unwrap();
    while store.purge_departed(GuildId(1), 1).await.unwrap() > 0 {
        assert_days_match_checkins(&store, "a step of a departed server's purge").await;
    }
    assert_days_match_checkins(&store, "a departed server's purge").await;
    assert_eq!(store.count_rows("checkin_days").await.unwrap(), 2);
    store.close().await;
}

async fn period_sums_are_exact_whatever_days_the_bounds_cut(backend: TestBackend) {
    let (store, _db) = backend.temp_store().await;
    // Two members over three days, 7 in a zone 5½ hours ahead of UTC (so
    // their local days straddle UTC midnight), 8 in UTC; one moderator's.
    let mut all = Vec::new();
    let mut interaction = 0u64;
    for day in 1..=3 {
        for hour in [1, 6, 11, 17, 20, 23] {
            for (user, exercise, ahead) in [(7, "walk", 330), (8, "water", 0), (8, "walk", 0)] {
                interaction += 1;
                let when =
                    at(day, hour) + Duration::minutes(i64::try_from(interaction % 7).unwrap());
                let mut new = checkin(interaction, 1, user, exercise, hour, when);
                new.local_date = (when + Duration::minutes(ahead)).date_naive();
                if interaction.is_multiple_of(5) {
                    new.source = Source::Moderator;
                }
                all.push(new.clone());
                store.record_checkin(new).await.unwrap();
            }
        }
    }
    // Every bound on the hour from the start of 1 March to the end of 3
    // March, and all time.
    let bounds: Vec<DateTime<Utc>> = (0..=72).map(|h| at(1, 0) + Duration::hours(h)).collect();
    let mut ranges = vec![(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC)];
    for (i, from) in bounds.iter().enumerate().step_by(5) {
        for to in bounds.iter().skip(i + 1).step_by(7) {
            ranges.push((*from, *to));
        }
        ranges.push((*from, DateTime::<Utc>::MAX_UTC));
    }
    let walk = ExerciseKey::parse("walk").unwrap();
    for (from, to) in ranges {
        let inside = || all.iter().filter(|c| from <= c.at && c.at < to);
        for exercise in [None, Some(&walk)] {
            let mut expected = std::collections::BTreeMap::<u64, MemberTotal>::new();
            for c in inside().filter(|c| exercise.is_none_or(|e| *e == c.exercise)) {
                let t = expected.entry(c.user.0).or_insert(MemberTotal {
                    user: c.user,
                    points: 0,
                    amount: 0,
                    checkins: 0,
                    reached_at: c.at,
                });
                t.points += c.points;
                t.amount += i64::from(c.amount);
                t.checkins += 1;
                t.reached_at = t.reached_at.max(c.at);
            }
            let totals = store
                .member_totals(GuildId(1), from, to, exercise)
                .await
                .unwrap();
            assert_eq!(
                totals,
                expected.into_values().collect::<Vec<_>>(),
                "{from} to {to}, {exercise:?}"
            );
        }
        for user in [7, 8] {
            let mut expected = std::collections::BTreeMap::<String, ExerciseTotals>::new();
            for c in inside().filter(|c| c.user == UserId(user)) {
                let t = expected
                    .entry(c.exercise.to_string())
                    .or_insert(ExerciseTotals {
                        exercise: c.exercise.clone(),
                        amount: 0,
                        points: 0,
                        by_moderator: 0,
                    });
                t.amount += i64::from(c.amount);
                t.points += c.points;
                t.by_moderator += i64::from(c.source == Source::Moderator);
            }
            let mut totals = store
                .member_exercise_totals(GuildId(1), UserId(user), from, to)
                .await
                .unwrap();
            totals.sort_by(|a, b| a.exercise.as_str().cmp(b.exercise.as_str()));
            assert_eq!(
                totals,
                expected.into_values().collect::<Vec<_>>(),
                "{from} to {to}, member {user}"
            );
        }
    }
    store.close().await;
}

#[tokio::test]
async fn settings_and_prefs_read_together_as_they_read_apart() {
    use std::collections::BTreeSet;

    use chrono::{NaiveTime, Weekday};

    use crate::domain::server::{QuietHours, ServerSettings};
    use crate::domain::{ChannelId, RoleId};

    let (store, _dir) = temp_store().await;
    let together = |guild: u64, user: u64| {
        let store = &store;
        async move {
            let (guild, user) = (GuildId(guild), UserId(user));
            let read = store
                .sqlite()
                .write(move |conn| {
                    Box::pin(crate::store::sqlite::checkins::read_settings_and_prefs(
                        conn, guild, user,
                    ))
                })
                .await
                .unwrap();
            let apart = (
                store.server_settings(guild).await.unwrap(),
                store.member_prefs(guild, user).await.unwrap(),
            );
            assert_eq!(read, apart, "guild {guild:?}, user {user:?}");
            read
        }
    };
    // Neither a server row nor a member row: the defaults.
    let (settings, prefs) = together(1, 7).await;
    assert_eq!(settings, ServerSettings::new(GuildId(1)));
    assert_eq!(prefs, MemberPrefs::new(GuildId(1), UserId(7)));
    // A member without a server row, then a server row too.
    let now = at(1, 9);
    store
        .set_member_timezone(GuildId(1), UserId(7), Some(chrono_tz::Asia::Tokyo), now)
        .await
        .unwrap();
    store
        .set_leaderboard_opt_out(GuildId(1), UserId(7), true, now)
        .await
        .unwrap();
    store
        .remember_display_name(GuildId(1), UserId(7), "Ada".into(), now)
        .await
        .unwrap();
    let (_, prefs) = together(1, 7).await;
    assert!(prefs.leaderboard_opt_out && prefs.display_name.is_some());
    let settings = ServerSettings {
        guild: GuildId(1),
        timezone: Some(chrono_tz::Europe::Berlin),
        week_start: Weekday::Sun,
        moderator_role: Some(RoleId(u64::MAX - 1)),
        quiet_hours: Some(QuietHours {
            start: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
        }),
        quiet_days: [Weekday::Sat, Weekday::Sun].into_iter().collect(),
        disabled_exercises: [ExerciseKey::parse("water").unwrap()]
            .into_iter()
            .collect::<BTreeSet<_>>(),
        leaderboard_channel: Some(ChannelId(77)),
    };
    store.save_server_settings(&settings, now).await.unwrap();
    assert_eq!(together(1, 7).await.0, settings);
    // A server row without the member's, and another server's member.
    together(1, 8).await;
    together(2, 7).await;
    store.close().await;
}

async fn the_one_trip_check_in_reads_and_writes_as_the_separate_calls_do(backend: TestBackend) {
    use std::sync::{Arc, Mutex};

    use crate::domain::server::ServerSettings;

    let (store, _db) = backend.temp_store().await;
    let (guild, user) = (GuildId(1), UserId(7));
    let walk = ExerciseKey::parse("walk").unwrap();
    // What `build` was shown, and what `settle` was told of the day.
    let seen: Arc<Mutex<Vec<(ServerSettings, MemberPrefs)>>> = Arc::default();
    let day_before: Arc<Mutex<Vec<i64>>> = Arc::default();
    let one_trip = |new: Option<NewCheckIn>, name: &str| {
        let (seen, day_before) = (seen.clone(), day_before.clone());
        store.record_checkin_with(
            guild,
            user,
            name.to_owned(),
            at(1, 9),
            move |settings, prefs| {
                seen.lock().unwrap().push((settings.clone(), prefs.clone()));
                new.ok_or("refused")
            },
            move |new, before| {
                day_before.lock().unwrap().push(before);
                new
            },
        )
    };

    // Refused: the defaults were shown, and nothing is written, not even
    // the name.
    let refused = one_trip(None, "Ada").await.unwrap();
    assert!(matches!(refused, Err("refused")));
    assert_eq!(
        seen.lock().unwrap().pop().unwrap(),
        (ServerSettings::new(guild), MemberPrefs::new(guild, user))
    );
    assert_eq!(
        store.member_prefs(guild, user).await.unwrap(),
        MemberPrefs::new(guild, user)
    );
    assert_eq!(store.latest_checkin(guild, user).await.unwrap(), None);

    // Settings and preferences as saved; the name remembered on the way.
    let mut settings = ServerSettings::new(guild);
    settings.timezone = Some(chrono_tz::Europe::Berlin);
    store
        .save_server_settings(&settings, at(1, 8))
        .await
        .unwrap();
    store
        .set_member_timezone(guild, user, Some(chrono_tz::Asia::Tokyo), at(1, 8))
        .await
        .unwrap();
    let written = one_trip(Some(checkin(1, 1, 7, "walk", 10, at(1, 9))), "Ada")
        .await
        .unwrap()
        .unwrap();
    let (shown_settings, shown_prefs) = seen.lock().unwrap().pop().unwrap();
    assert_eq!(shown_settings, settings);
    assert_eq!(shown_prefs.timezone, Some(chrono_tz::Asia::Tokyo));
    assert_eq!(shown_prefs.display_name, None);
    assert_eq!(written.settings, settings);
    assert_eq!(
        written.prefs,
        store.member_prefs(guild, user).await.unwrap()
    );
    assert_eq!(written.prefs.display_name.as_deref(), Some("Ada"));
    assert!(matches!(written.recorded, Recorded::New(_)));
    assert_eq!(written.day_total, 10);

    // The day so far is what `settle` judges by; a duplicate brings back
    // the earlier check-in's day.
    let written = one_trip(Some(checkin(2, 1, 7, "walk", 5, at(1, 10))), "Ada")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(written.day_total, 15);
    let mut other_day = checkin(1, 1, 7, "walk", 99, at(2, 9));
    other_day.local_date = at(2, 9).date_naive();
    let again = one_trip(Some(other_day), "Ada B").await.unwrap().unwrap();
    assert!(matches!(&again.recorded, Recorded::Duplicate(c) if c.amount == 10));
    assert_eq!(again.day_total, 15);
    assert_eq!(again.prefs.display_name.as_deref(), Some("Ada B"));
    assert_eq!(*day_before.lock().unwrap(), [0, 10, 0]);
    assert_eq!(
        store
            .day_amount(guild, user, &walk, at(1, 0).date_naive())
            .await
            .unwrap(),
        15
    );
    store.close().await;
}

/// Two processes on one PostgreSQL database record the same interactions
/// at once (a redelivered interaction answered by both): each counts once,
/// the other process is told of the earlier one, and the day sums agree.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn two_processes_recording_one_interaction_count_it_once() {
    use crate::store::StoreOptions;

    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let (store, db) = backend.temp_store().await;
    let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
    async fn record(
        store: &Store,
        interaction: u64,
        user: u64,
    ) -> Result<Result<CheckInWritten, ()>, StoreError> {
        store
            .record_checkin_with(
                GuildId(1),
                UserId(user),
                format!("member {user}"),
                at(1, 9),
                move |_, _| Ok(checkin(interaction, 1, user, "walk", 10, at(1, 9))),
                |new, _| new,
            )
            .await
    }
    for interaction in 1..=20 {
        // Members 7 and 8 in turn: each member's interactions race.
        let user = 7 + interaction % 2;
        let (a, b) = tokio::join!(
            record(&store, interaction, user),
            record(&other, interaction, user)
        );
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        let new = [&a, &b]
            .iter()
            .filter(|w| matches!(w.recorded, Recorded::New(_)))
            .count();
        assert_eq!(new, 1, "interaction {interaction}: {a:?} {b:?}");
        assert_eq!(a.recorded.checkin(), b.recorded.checkin());
        assert_eq!(a.day_total, b.day_total);
    }
    let walk = ExerciseKey::parse("walk").unwrap();
    for user in [7, 8] {
        assert_eq!(
            store
                .day_amount(GuildId(1), UserId(user), &walk, at(1, 0).date_naive())
                .await
                .unwrap(),
            100
        );
    }
    assert_days_match_checkins(&store, "racing deliveries").await;
    other.close().await;
    store.close().await;
}

/// Check-ins of one member from two processes at once are judged one after
/// the other against the day so far (the daily cap cannot be passed twice),
/// and an undo in between keeps the day sums right.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn one_members_check_ins_from_two_processes_see_the_day_one_after_the_other() {
    use std::sync::{Arc, Mutex};

    use crate::store::StoreOptions;

    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let (store, db) = backend.temp_store().await;
    let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
    let seen: Arc<Mutex<Vec<i64>>> = Arc::default();
    async fn record(
        store: &Store,
        interaction: u64,
        seen: &Arc<Mutex<Vec<i64>>>,
    ) -> Result<Result<CheckInWritten, ()>, StoreError> {
        let seen = seen.clone();
        store
            .record_checkin_with(
                GuildId(1),
                UserId(7),
                "Ada".into(),
                at(1, 9),
                move |_, _| Ok(checkin(interaction, 1, 7, "walk", 10, at(1, 9))),
                move |new, before| {
                    seen.lock().unwrap().push(before);
                    new
                },
            )
            .await
    }
    for round in 0..10 {
        let (a, b) = tokio::join!(
            record(&store, 2 * round + 1, &seen),
            record(&other, 2 * round + 2, &seen)
        );
        a.unwrap().unwrap();
        b.unwrap().unwrap();
    }
    let mut before = seen.lock().unwrap().clone();
    before.sort_unstable();
    assert_eq!(before, (0..20).map(|i| i * 10).collect::<Vec<_>>());

    // Undos racing check-ins of the same day.
    let stored = store
        .member_checkins(GuildId(1), UserId(7), at(1, 0), at(2, 0))
        .await
        .unwrap();
    for (i, c) in stored.iter().enumerate().take(5) {
        let (deleted, added) = tokio::join!(
            other.delete_checkin(GuildId(1), UserId(7), c.id),
            record(&store, 100 + i as u64, &seen)
        );
        assert!(deleted.unwrap());
        added.unwrap().unwrap();
    }
    assert_days_match_checkins(&store, "undos racing check-ins").await;
    other.close().await;
    store.close().await;
}
