//! Members' answers to prompts: one per member and occurrence.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::checkin::{CheckIn, NewCheckIn};
use crate::domain::occurrence::{Answer, PromptAnswer};
use crate::domain::{GuildId, OccurrenceId, UserId};

/// A member's consistency figures over a period, for leaderboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberConsistency {
    pub user: UserId,
    /// Their first check-in in the server: prompts count from then on.
    pub first: DateTime<Utc>,
    /// Their last check-in before the period's end (who got there first
    /// ranks first among equals).
    pub reached_at: DateTime<Utc>,
    /// Prompts due from `max(from, first)` to the period's end that they
    /// answered "done".
    pub answered: u32,
}

/// What a "done" logs: the check-in, and how its points follow from the
/// member's amount of its exercise that day so far (the daily cap). The
/// store calls `settle` in the answer's own transaction, under the member's
/// turn to write, so two answers (or an answer and a `/checkin`) at the
/// same moment cannot both earn the points only one of them has room for.
pub struct PromptCheckIn {
    pub new: NewCheckIn,
    pub settle: Box<dyn FnOnce(NewCheckIn, i64) -> NewCheckIn + Send>,
}

impl PromptCheckIn {
    /// A check-in whose points stand as they are, whatever the day so far.
    pub fn as_given(new: NewCheckIn) -> Self {
        Self {
            new,
            settle: Box::new(|new, _| new),
        }
    }
}

impl std::fmt::Debug for PromptCheckIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptCheckIn")
            .field("new", &self.new)
            .finish_non_exhaustive()
    }
}

/// What answering a prompt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// The answer counts; `checkin` is the check-in it logged, if any.
    Recorded { checkin: Option<CheckIn> },
    /// The member had answered this prompt already; nothing changed.
    AlreadyAnswered(PromptAnswer),
    /// The server has no such prompt (it may be another server's).
    NoSuchPrompt,
}

dispatch! {
    /// Records the member's answer to a prompt of their server and, for a
    /// "done", its check-in (settled against the member's day so far, see
    /// [`PromptCheckIn`]), in one transaction: either both count or neither.
    pub async fn answer_prompt(&self, guild: GuildId, occurrence: OccurrenceId, user: UserId, answer: Answer, checkin: Option<PromptCheckIn>, at: DateTime<Utc>) -> Result<AnswerOutcome, StoreError>;

    /// How many members answered "done" (either kind) to the prompt.
    pub async fn done_count(&self, guild: GuildId, occurrence: OccurrenceId) -> Result<u32, StoreError>;

    /// Every member who checked in in the server before `to`, with the
    /// prompts they answered "done" in `[from, to)` from their first
    /// check-in on: a leaderboard's figures in one query, whatever the
    /// number of members.
    pub async fn members_consistency(&self, guild: GuildId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<MemberConsistency>, StoreError>;

    /// When the server's prompts posted in `[from, to)` were due, earliest
    /// first (what [`Store::count_posted`] counts).
    pub async fn posted_prompt_times(&self, guild: GuildId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>, StoreError>;

    /// How many prompts posted in `[from, to)` the member answered "done".
    pub async fn prompts_done(&self, guild: GuildId, user: UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<u32, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkin::Source;
    use crate::domain::occurrence::ClaimOutcome;
    use crate::domain::occurrence::Occurrence;
    use crate::domain::InteractionId;
    use crate::domain::MessageId;
    use crate::store::checkins::tests::checkin;
    use crate::store::occurrences::tests::claim;
    use crate::store::schedules::tests::{new_schedule, t};
    use crate::store::test_support::TestBackend;
    use crate::store::{Finish, Store};

    on_both_backends!(
        an_answer_counts_once_with_its_check_in,
        a_done_is_settled_against_the_members_day_as_written,
        consistency_figures_of_every_member_come_in_one_query,
    );

    /// A prompt of server 1, due and posted at 9:00.
    async fn posted_prompt(store: &Store) -> Occurrence {
        let s = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        let ClaimOutcome::Claimed(o) = store
            .claim_occurrence(claim(s.id, "a", t(9, 0)))
            .await
            .unwrap()
        else {
            panic!()
        };
        store
            .finish_occurrence(o.id, "a", Finish::Posted(MessageId(1)), t(9, 0))
            .await
            .unwrap();
        o
    }

    /// The daily cap of a "done" is judged in the answer's transaction,
    /// against the member's day as it stands then: a check-in stored after
    /// the click was read (another process, the same moment) is counted.
    async fn a_done_is_settled_against_the_members_day_as_written(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let o = posted_prompt(&store).await;
        store
            .record_checkin(checkin(400, 1, 7, "walk", 25, t(9, 1)))
            .await
            .unwrap();
        // Another member's and another exercise's do not count.
        store
            .record_checkin(checkin(401, 1, 8, "walk", 40, t(9, 1)))
            .await
            .unwrap();
        store
            .record_checkin(checkin(402, 1, 7, "squats", 40, t(9, 1)))
            .await
            .unwrap();

        let mut done = checkin(500, 1, 7, "walk", 10, t(9, 5));
        done.source = Source::Button;
        done.occurrence = Some(o.id);
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let told = std::sync::Arc::clone(&seen);
        let settle = Box::new(move |mut new: NewCheckIn, day_before: i64| {
            *told.lock().unwrap() = Some(day_before);
            // A cap of 30 a day: 5 of the 10 earn.
            new.points = (30 - day_before).clamp(0, i64::from(new.amount));
            new
        });
        let outcome = store
            .answer_prompt(
                GuildId(1),
                o.id,
                UserId(7),
                Answer::Done,
                Some(PromptCheckIn { new: done, settle }),
                t(9, 5),
            )
            .await
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), Some(25));
        let AnswerOutcome::Recorded {
            checkin: Some(logged),
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!((logged.amount, logged.points), (10, 5));
        store.close().await;
    }

    async fn an_answer_counts_once_with_its_check_in(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let o = posted_prompt(&store).await;

        let mut done = checkin(500, 1, 7, "walk", 10, t(9, 5));
        done.source = Source::Button;
        done.occurrence = Some(o.id);
        let outcome = store
            .answer_prompt(
                GuildId(1),
                o.id,
                UserId(7),
                Answer::Done,
                Some(PromptCheckIn::as_given(done)),
                t(9, 5),
            )
            .await
            .unwrap();
        let AnswerOutcome::Recorded {
            checkin: Some(logged),
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(logged.occurrence, Some(o.id));

        // A second click, from another interaction: refused, nothing logged.
        let second = checkin(501, 1, 7, "walk", 10, t(9, 6));
        let outcome = store
            .answer_prompt(
                GuildId(1),
                o.id,
                UserId(7),
                Answer::DoneTwice,
                Some(PromptCheckIn::as_given(second)),
                t(9, 6),
            )
            .await
            .unwrap();
        assert_eq!(
            outcome,
            AnswerOutcome::AlreadyAnswered(PromptAnswer {
                occurrence: o.id,
                guild: GuildId(1),
                user: UserId(7),
                answer: Answer::Done,
                checkin: Some(logged.id),
                at: t(9, 5),
            })
        );
        assert!(store
            .latest_checkin(GuildId(1), UserId(7))
            .await
            .unwrap()
            .is_some_and(|c| c.interaction == InteractionId(500)));

        // "Not now" counts as an answer but not as done.
        let outcome = store
            .answer_prompt(GuildId(1), o.id, UserId(8), Answer::NotNow, None, t(9, 7))
            .await
            .unwrap();
        assert_eq!(outcome, AnswerOutcome::Recorded { checkin: None });
        assert_eq!(store.done_count(GuildId(1), o.id).await.unwrap(), 1);
        assert_eq!(
            store
                .prompts_done(GuildId(1), UserId(7), t(0, 0), t(23, 0))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .prompts_done(GuildId(1), UserId(8), t(0, 0), t(23, 0))
                .await
                .unwrap(),
            0
        );

        // Another server cannot answer it, and nothing is stored for it.
        let forged = store
            .answer_prompt(
                GuildId(2),
                o.id,
                UserId(9),
                Answer::Done,
                Some(PromptCheckIn::as_given(checkin(
                    502,
                    2,
                    9,
                    "walk",
                    10,
                    t(9, 8),
                ))),
                t(9, 8),
            )
            .await;
        assert_eq!(forged.unwrap(), AnswerOutcome::NoSuchPrompt);
        assert_eq!(
            store.latest_checkin(GuildId(2), UserId(9)).await.unwrap(),
            None
        );
        assert_eq!(store.done_count(GuildId(2), o.id).await.unwrap(), 0);
        store.close().await;
    }

    async fn consistency_figures_of_every_member_come_in_one_query(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let s = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        // Six prompts posted, at 9:00 to 14:00.
        let mut prompts = Vec::new();
        for hour in 9..15 {
            let mut c = claim(s.id, "a", t(hour, 0));
            c.due_at = t(hour, 0);
            let ClaimOutcome::Claimed(o) = store.claim_occurrence(c).await.unwrap() else {
                panic!()
            };
            store
                .finish_occurrence(
                    o.id,
                    "a",
                    Finish::Posted(MessageId(hour.into())),
                    t(hour, 0),
                )
                .await
                .unwrap();
            prompts.push(o.id);
        }
        // 7 checked in before them all; 8 first at 11:30; 9 answers but
        // never checked in; 5 checked in only in another server.
        for (interaction, guild, user, at) in [
            (1, 1, 7, t(8, 0)),
            (2, 1, 7, t(16, 0)),
            (3, 1, 8, t(11, 30)),
            (4, 2, 5, t(8, 0)),
        ] {
            store
                .record_checkin(checkin(interaction, guild, user, "walk", 10, at))
                .await
                .unwrap();
        }
        for (user, prompt, answer) in [
            (7, 0, Answer::Done),
            (7, 1, Answer::DoneTwice),
            (7, 2, Answer::Done),
            (7, 3, Answer::NotNow),
            (8, 1, Answer::Done), // before their first check-in: not counted
            (8, 4, Answer::Done),
            (9, 4, Answer::Done),
        ] {
            store
                .answer_prompt(
                    GuildId(1),
                    prompts[prompt],
                    UserId(user),
                    answer,
                    None,
                    t(15, 0),
                )
                .await
                .unwrap();
        }
        let figures = store
            .members_consistency(GuildId(1), t(0, 0), t(23, 0))
            .await
            .unwrap();
        assert_eq!(
            figures,
            [
                MemberConsistency {
                    user: UserId(7),
                    first: t(8, 0),
                    reached_at: t(16, 0),
                    answered: 3
                },
                MemberConsistency {
                    user: UserId(8),
                    first: t(11, 30),
                    reached_at: t(11, 30),
                    answered: 1
                },
            ]
        );
        // A period ending at 12:00: 7's later check-in and prompts 12:00
        // on are outside it.
        let morning = store
            .members_consistency(GuildId(1), t(10, 0), t(12, 0))
            .await
            .unwrap();
        assert_eq!(
            morning
                .iter()
                .map(|m| (m.user.0, m.reached_at, m.answered))
                .collect::<Vec<_>>(),
            [(7, t(8, 0), 2), (8, t(11, 30), 0)]
        );
        assert_eq!(
            store
                .posted_prompt_times(GuildId(1), t(10, 0), t(13, 0))
                .await
                .unwrap(),
            [t(10, 0), t(11, 0), t(12, 0)]
        );
        assert!(store
            .posted_prompt_times(GuildId(2), t(0, 0), t(23, 0))
            .await
            .unwrap()
            .is_empty());
        store.close().await;
    }
}
