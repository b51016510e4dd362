use chrono::{Duration, NaiveDate, TimeZone};

use super::*;
use crate::store::test_support::temp_store;

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

#[tokio::test]
async fn a_check_in_is_stored_once_per_interaction() {
    let (store, _dir) = temp_store().await;
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

#[tokio::test]
async fn latest_delete_and_periods_are_scoped_to_member_and_server() {
    let (store, _dir) = temp_store().await;
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

#[tokio::test]
async fn totals_sum_per_member_for_a_period_and_exercise() {
    let (store, _dir) = temp_store().await;
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
