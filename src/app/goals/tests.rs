use chrono::{Duration, TimeZone};

use super::*;
use crate::app::test_support::{admin, app_at, checkin_request};
use crate::app::Clock;

#[tokio::test]
async fn the_team_goal_is_said_once_a_week_when_reached() {
    // Monday 2027-05-03, 09:00 UTC.
    let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap()).await;
    let mut settings = app.raw_store().server_settings(GuildId(1)).await.unwrap();
    settings.leaderboard_channel = Some(ChannelId(77));
    app.raw_store()
        .save_server_settings(&settings, clock.now())
        .await
        .unwrap();
    let set = app.set_team_goal(&admin(), "minutes", 40).await.unwrap();
    assert_eq!(set.total, 0);
    let mut reached = Vec::new();
    for (interaction, user, exercise, amount) in [
        (1, 7, "walk", 30),
        (2, 8, "calf-raises", 50), // reps: no minutes
        (3, 8, "stretch", 10),     // 40 minutes: reached
        (4, 7, "walk", 20),
    ] {
        let receipt = app
            .record_checkin(checkin_request(interaction, user, exercise, amount))
            .await
            .unwrap();
        reached.push(receipt.celebration.team_reached.map(|(c, t)| (c, t.total)));
    }
    assert_eq!(reached, [None, None, Some((ChannelId(77), 40)), None]);
    // A redelivered interaction says nothing again.
    let again = app
        .record_checkin(checkin_request(3, 8, "stretch", 10))
        .await
        .unwrap();
    assert!(again.duplicate && again.celebration.team_reached.is_none());
    // Next week the goal starts over.
    clock.advance(Duration::days(7));
    let progress = app.show_team_goal(GuildId(1)).await.unwrap().unwrap();
    assert_eq!(progress.total, 0);
    let receipt = app
        .record_checkin(checkin_request(5, 7, "walk", 45))
        .await
        .unwrap();
    assert!(receipt.celebration.team_reached.is_some());
}

#[tokio::test]
async fn a_vacation_protects_the_streak_until_it_ends() {
    let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 1, 9, 0, 0).unwrap()).await;
    for interaction in 1..=3 {
        app.record_checkin(checkin_request(interaction, 7, "water", 1))
            .await
            .unwrap();
        clock.advance(Duration::days(1));
    }
    // 4 May: away for 3 days (4th to 6th), back on the 7th.
    let last = app.start_vacation(GuildId(1), UserId(7), 3).await.unwrap();
    assert_eq!(last, NaiveDate::from_ymd_opt(2027, 5, 6).unwrap());
    assert!(app.start_vacation(GuildId(1), UserId(7), 22).await.is_err());
    clock.advance(Duration::days(3));
    let receipt = app
        .record_checkin(checkin_request(4, 7, "water", 1))
        .await
        .unwrap();
    assert_eq!(receipt.standing.streak.current, 4);
    assert_eq!(receipt.standing.streak.freezes_used, 0);
    // Ended early: a vacation from the 8th, ended on the 9th, leaves the
    // 9th missed (no freeze held), so the 10th starts over.
    clock.advance(Duration::days(1));
    app.start_vacation(GuildId(1), UserId(7), 5).await.unwrap();
    clock.advance(Duration::days(1));
    app.end_vacation(GuildId(1), UserId(7)).await.unwrap();
    assert!(matches!(
        app.end_vacation(GuildId(1), UserId(7)).await,
        Err(AppError::User(UserError::NoVacation))
    ));
    clock.advance(Duration::days(1));
    let receipt = app
        .record_checkin(checkin_request(5, 7, "water", 1))
        .await
        .unwrap();
    assert_eq!(receipt.standing.streak.current, 1);
    assert_eq!(receipt.standing.streak.best, 4);
}
