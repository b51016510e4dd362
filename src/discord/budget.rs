//! One pace for everything the bot sends to Discord's REST API.
//!
//! Discord allows a bot 50 requests per second overall and, on the route
//! that creates messages, 5 messages per 5 seconds per channel; it bans an
//! address for a while after 10,000 refused requests (401, 403, 429) in 10
//! minutes (docs: "Rate Limits", "Global Rate Limit", "Invalid Request
//! Limit"). Every request our code makes passes through one [`RestBudget`]
//! first: prompt posts, edits and channel reads, command registration and
//! the start-up reads. Interaction endpoints (the callback of a click or a
//! command, and follow-ups through the interaction token, such as snooze
//! reminders) "are not bound to the bot's Global Rate Limit" (docs: "Global
//! Rate Limit", "Receiving and Responding: Endpoints"), so they skip the
//! pace. Snooze reminders still wait out the brake: refusals count against
//! the address whatever the route. Replies to commands and clicks go out
//! through poise and serenity at once, as Discord wants them within 3
//! seconds; serenity's own start-up request for the gateway's address is
//! not ours to pace.
//!
//! The bounds are exact over sliding windows: in any 1.05 seconds no more
//! than 50 budgeted requests start (a margin for the requests' way to
//! Discord, see [`GLOBAL`]), and in any 5 seconds no more than 5 messages
//! start in one channel. A token bucket (governor's GCRA) cannot say both
//! "5 at once" and "at most 5 in any 5 s": its burst refills gradually, so
//! with a burst of 5 and a period of 1 s it lets 9 through in 5 s. A log of
//! recent starts per limit can, and is small (at most 50 instants, and 5
//! per channel that posted in the last 5 seconds).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::time::Instant;

/// Discord's global limit, 50 requests a second, counted over a slightly
/// longer window. Under steady load a start is let go the moment the start
/// 50 back leaves the window, so each start echoes one exactly a window
/// earlier; counted over exactly one second, any difference in the two
/// requests' way to Discord (a few milliseconds) puts both in one of
/// Discord's seconds: the fake Discord saw 57 in a second at a full second.
/// With [`GLOBAL_MARGIN_MS`] more, any 50 starts in a row span 1.05 s, so up
/// to 50 ms of difference still leaves at most 50 in any second where they
/// arrive, at 47.6 requests a second.
const GLOBAL: Limit = Limit {
    count: 50,
    window: Duration::from_millis(1000 + GLOBAL_MARGIN_MS),
};
/// The margin of [`GLOBAL`]'s window over Discord's second, in
/// milliseconds.
const GLOBAL_MARGIN_MS: u64 = 50;
/// A process's share of the fifty, beside other processes of the bot,
/// counts over a window twice as far past the second: the processes' shares
/// add up at Discord with the jitter of each. Two processes of 25 in 1.05 s
/// were measured at 51 in one second on a machine busy with a build.
const SHARE_WINDOW: Duration = Duration::from_millis(1000 + 2 * GLOBAL_MARGIN_MS);

/// Discord's limit on new messages in one channel.
const PER_CHANNEL: Limit = Limit {
    count: 5,
    window: Duration::from_secs(5),
};

/// Refused requests (401, 403, 429) counted over this window...
const INVALID_WINDOW: Duration = Duration::from_secs(10 * 60);
/// ...and the count at which the bot holds back: half of Discord's 10,000.
const INVALID_BRAKE: usize = 5_000;

/// What a request costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// Any request bound by the global limit: an edit, a read, a
    /// registration.
    Request,
    /// A new message in a channel: the channel's pace and the global one.
    Message(u64),
    /// An interaction callback or a follow-up through its token: outside
    /// the global limit, but still held back by the brake.
    Interaction,
}

/// The `status` of a success whose exact code serenity does not hand back.
const SUCCESS: &str = "2xx";
/// The `status` of a request that got no answer.
const NO_ANSWER: &str = "none";

/// What a request was for: the `route` label of
/// `secondheart_discord_responses_total`, a handful of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteGroup {
    /// Answers to commands and clicks, their edits and follow-ups.
    Interactions,
    /// Posting, editing and reading channel messages.
    Messages,
    /// Registering the slash commands.
    Commands,
    /// Start-up reads of the application and the bot's own user.
    Identity,
    /// Granting roles (milestone rewards).
    Roles,
    /// Anything else.
    Other,
}

impl RouteGroup {
    pub fn label(self) -> &'static str {
        match self {
            RouteGroup::Interactions => "interactions",
            RouteGroup::Messages => "messages",
            RouteGroup::Commands => "commands",
            RouteGroup::Identity => "identity",
            RouteGroup::Roles => "roles",
            RouteGroup::Other => "other",
        }
    }
}

fn count_response(route: RouteGroup, status: &str) {
    metrics::counter!(
        "secondheart_discord_responses_total",
        "route" => route.label(),
        "status" => status.to_owned()
    )
    .increment(1);
}

/// At most `count` starts in any `window`.
#[derive(Debug, Clone, Copy)]
struct Limit {
    count: usize,
    window: Duration,
}

/// The pace of every request the bot sends. Shared by all senders.
#[derive(Debug)]
pub struct RestBudget {
    global: Limit,
    per_channel: Limit,
    brake_at: usize,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    global: Starts,
    channels: HashMap<u64, Starts>,
    /// When idle channels were last forgotten.
    pruned: Instant,
    refused: RefusedRequests,
}

impl Default for RestBudget {
    fn default() -> Self {
        Self::with_limits(GLOBAL, PER_CHANNEL, INVALID_BRAKE)
    }
}

impl RestBudget {
    /// The budget of a process running `shards` of the bot's `total`
    /// shards, beside other processes that run the rest: Discord's 50
    /// requests a second are the bot's, so each process takes its shards'
    /// share of them. A share of less than one request a window (a shard of
    /// more than fifty) is one request over a window as much longer, so
    /// the processes' sum stays under the fifty. The channels' pace stays
    /// whole: a channel's server is on one shard, so one process posts to
    /// it.
    pub fn share(shards: u32, total: u32) -> Self {
        let total = u64::from(total.max(1));
        let shards = u64::from(shards).clamp(1, total);
        let fifty = GLOBAL.count as u64;
        let global = if shards == total {
            GLOBAL
        } else if shards * fifty >= total {
            Limit {
                count: usize::try_from(shards * fifty / total).unwrap_or(GLOBAL.count),
                window: SHARE_WINDOW,
            }
        } else {
            // Whole milliseconds: at most one short of the exact window.
            let window_ms = SHARE_WINDOW.as_millis() as u64 * total / (shards * fifty);
            Limit {
                count: 1,
                window: Duration::from_millis(window_ms + 1),
            }
        };
        Self::with_limits(global, PER_CHANNEL, INVALID_BRAKE)
    }

    fn with_limits(global: Limit, per_channel: Limit, brake_at: usize) -> Self {
        Self {
            global,
            per_channel,
            brake_at,
            state: Mutex::new(State {
                global: Starts::default(),
                channels: HashMap::new(),
                pruned: Instant::now(),
                refused: RefusedRequests::default(),
            }),
        }
    }

    /// Waits until a request may start, and counts it as started.
    /// Cancel-safe: a wait that is dropped takes nothing.
    pub async fn spend(&self, spend: Spend) {
        let brake = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let brake = state.refused.brake(Instant::now(), self.brake_at);
            // Refusals age out of the window as requests go by.
            metrics::gauge!("secondheart_discord_invalid_requests")
                .set(state.refused.at.len() as f64);
            brake
        };
        if let Some(wait) = brake {
            tracing::warn!(
                wait_s = wait.as_secs(),
                "many requests refused by Discord lately; holding back"
            );
            tokio::time::sleep(wait).await;
        }
        if spend == Spend::Interaction {
            return;
        }
        // Waiters whose slot was taken look again: the start recorded is
        // the instant the request is let go, so the bounds hold for what
        // actually starts.
        loop {
            let ready = {
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                match self.try_spend(&mut state, spend, Instant::now()) {
                    None => return,
                    Some(ready) => ready,
                }
            };
            tokio::time::sleep_until(ready).await;
        }
    }

    /// Notes Discord's answer to a request of `route`: counted by status,
    /// and refusals count towards the brake.
    pub fn answered(&self, route: RouteGroup, status: u16) {
        count_response(route, &status.to_string());
        if matches!(status, 401 | 403 | 429) {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.refused.record(Instant::now());
            metrics::gauge!("secondheart_discord_invalid_requests")
                .set(state.refused.at.len() as f64);
        }
    }

    /// Notes a request of `route` that got no answer at all (no
    /// connection, or none in time).
    pub fn unanswered(&self, route: RouteGroup) {
        count_response(route, NO_ANSWER);
    }

    /// Notes what a serenity call of `route` came back with. serenity
    /// hands back a success's body without its status, so successes are
    /// counted as `2xx`; a call that failed before sending counts nothing.
    pub fn noted<T>(&self, route: RouteGroup, result: &Result<T, serenity::Error>) {
        match result {
            Ok(_) => count_response(route, SUCCESS),
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))) => {
                self.answered(route, response.status_code.as_u16());
            }
            Err(serenity::Error::Http(serenity::HttpError::Request(_))) => self.unanswered(route),
            Err(_) => {}
        }
    }

    /// Runs a serenity call of `route` within the budget.
    pub async fn serenity<T>(
        &self,
        spend: Spend,
        route: RouteGroup,
        request: impl Future<Output = Result<T, serenity::Error>>,
    ) -> Result<T, serenity::Error> {
        self.spend(spend).await;
        let result = request.await;
        self.noted(route, &result);
        result
    }

    /// Records a start at `now` if the limits allow it; otherwise returns
    /// when to look again.
    fn try_spend(&self, state: &mut State, spend: Spend, now: Instant) -> Option<Instant> {
        if now.saturating_duration_since(state.pruned) >= self.per_channel.window {
            let window = self.per_channel.window;
            state
                .channels
                .retain(|_, starts| starts.forget(now, window));
            state.pruned = now;
        }
        let mut ready = state.global.ready_at(now, self.global);
        if let Spend::Message(channel) = spend {
            let starts = state.channels.entry(channel).or_default();
            ready = ready.max(starts.ready_at(now, self.per_channel));
        }
        if ready > now {
            return Some(ready);
        }
        state.global.0.push_back(now);
        if let Spend::Message(channel) = spend {
            state.channels.entry(channel).or_default().0.push_back(now);
        }
        None
    }

    #[cfg(test)]
    fn channels_tracked(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .channels
            .len()
    }
}

/// Recent starts under one limit, oldest first.
#[derive(Debug, Default)]
struct Starts(VecDeque<Instant>);

impl Starts {
    /// Forgets starts that left the window; returns whether any remain.
    fn forget(&mut self, now: Instant, window: Duration) -> bool {
        while self
            .0
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            self.0.pop_front();
        }
        !self.0.is_empty()
    }

    /// The first instant a start keeps at most `count` starts in any
    /// `window`: now, or when the start `count` back leaves the window.
    fn ready_at(&mut self, now: Instant, limit: Limit) -> Instant {
        self.forget(now, limit.window);
        if self.0.len() < limit.count {
            return now;
        }
        // The start that has to leave the window before another may begin.
        let blocking = self.0.len() - limit.count;
        self.0.get(blocking).map_or(now, |&at| at + limit.window)
    }
}

/// Requests Discord refused lately.
#[derive(Debug, Default)]
struct RefusedRequests {
    at: VecDeque<Instant>,
}

impl RefusedRequests {
    fn record(&mut self, now: Instant) {
        self.forget_old(now);
        self.at.push_back(now);
    }

    /// How long to hold back before the next request, if `limit` or more
    /// were refused in the window: until enough of them have left it.
    fn brake(&mut self, now: Instant, limit: usize) -> Option<Duration> {
        self.forget_old(now);
        if self.at.len() < limit {
            return None;
        }
        let oldest_that_must_leave = self.at.get(self.at.len() - limit)?;
        Some((*oldest_that_must_leave + INVALID_WINDOW).saturating_duration_since(now))
    }

    fn forget_old(&mut self, now: Instant) {
        while self
            .at
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= INVALID_WINDOW)
        {
            self.at.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// The most starts in any half-open window of `window`.
    fn densest(starts: &[Instant], window: Duration) -> usize {
        let mut starts = starts.to_vec();
        starts.sort();
        (0..starts.len())
            .map(|i| {
                starts[i..]
                    .iter()
                    .take_while(|t| **t < starts[i] + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Starts `spends` all at once, each in its own task, and returns
    /// when each was let go.
    async fn start_together(budget: &Arc<RestBudget>, spends: &[Spend]) -> Vec<(Spend, Instant)> {
        let tasks: Vec<_> = spends
            .iter()
            .map(|&spend| {
                let budget = Arc::clone(budget);
                tokio::spawn(async move {
                    budget.spend(spend).await;
                    (spend, Instant::now())
                })
            })
            .collect();
        let mut started = Vec::new();
        for task in tasks {
            started.push(task.await.expect("task"));
        }
        started
    }

    #[tokio::test(start_paused = true)]
    async fn a_process_with_some_of_the_shards_takes_their_share_of_the_fifty() {
        let quarter = Arc::new(RestBudget::share(4, 16));
        let started = start_together(&quarter, &[Spend::Request; 40]).await;
        let at: Vec<Instant> = started.iter().map(|(_, t)| *t).collect();
        assert_eq!(densest(&at, Duration::from_secs(1)), 12);
        // One shard of more than fifty: one request over a longer window,
        // so 64 such processes start 45 a second between them, not 58.
        let sixty_fourth = RestBudget::share(1, 64).global;
        assert_eq!(sixty_fourth.count, 1);
        assert_eq!(sixty_fourth.window, Duration::from_millis(1_408 + 1));
        assert_eq!(RestBudget::share(1, 50).global.count, 1);
        assert_eq!(RestBudget::share(1, 50).global.window, SHARE_WINDOW);
        assert_eq!(RestBudget::share(1, 2).global.count, 25);
        // All the shards: the whole budget.
        assert_eq!(RestBudget::share(8, 8).global.count, 50);
        assert_eq!(RestBudget::share(8, 8).global.window, GLOBAL.window);
        // A half's 25 in a row span 100 ms past the second: two halves
        // arriving up to 99 ms late each never make 51 in one second.
        let half = Arc::new(RestBudget::share(1, 2));
        let started = start_together(&half, &[Spend::Request; 60]).await;
        let mut at: Vec<Instant> = started.iter().map(|(_, t)| *t).collect();
        at.sort();
        assert!(at
            .windows(26)
            .all(|w| w[25] - w[0] >= Duration::from_millis(1099)));
    }

    #[tokio::test(start_paused = true)]
    async fn no_second_holds_more_than_fifty_requests_however_many_are_due() {
        let budget = Arc::new(RestBudget::default());
        let begin = Instant::now();
        // Two waves due together, the second while the first still waits.
        let mut started = start_together(&budget, &[Spend::Request; 130]).await;
        started.extend(start_together(&budget, &[Spend::Request; 40]).await);
        let at: Vec<Instant> = started.iter().map(|(_, t)| *t).collect();
        assert_eq!(densest(&at, Duration::from_secs(1)), 50);
        // Nor in any second where they arrive, one up to 49 ms later than
        // the start 50 before it: any 51 in a row span the whole window.
        let mut sorted = at.clone();
        sorted.sort();
        assert!(sorted
            .windows(51)
            .all(|w| w[50] - w[0] >= Duration::from_millis(1049)));
        // And no slower than that: 170 requests take three windows.
        let last = at.iter().max().unwrap();
        assert_eq!(*last - begin, GLOBAL.window * 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_channel_gets_five_messages_in_any_five_seconds_and_others_do_not_wait() {
        let budget = Arc::new(RestBudget::default());
        let begin = Instant::now();
        let mut spends = vec![Spend::Message(1); 17];
        spends.extend([Spend::Message(2); 3]);
        spends.extend([Spend::Request; 60]);
        let mut started = start_together(&budget, &spends).await;
        // Late ones, a second and a half in, for the busy channel.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        started.extend(start_together(&budget, &[Spend::Message(1); 4]).await);
        let of = |channel| -> Vec<Instant> {
            started
                .iter()
                .filter(|(s, _)| *s == Spend::Message(channel))
                .map(|(_, t)| *t)
                .collect()
        };
        assert_eq!(densest(&of(1), Duration::from_secs(5)), 5);
        let all: Vec<Instant> = started.iter().map(|(_, t)| *t).collect();
        assert!(densest(&all, Duration::from_secs(1)) <= 50);
        // Channel 2 went out in the first second, not behind channel 1.
        assert!(of(2).iter().all(|t| *t - begin < Duration::from_secs(1)));
        // 21 messages in channel 1: 5 at 0, 5 at 5 s, 5 at 10 s, 2 at 15 s,
        // 3 when the late ones come at 16.5 s, and the last at 20 s.
        assert_eq!(
            *of(1).iter().max().unwrap() - begin,
            Duration::from_secs(20)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn idle_channels_are_forgotten() {
        let budget = Arc::new(RestBudget::default());
        let spends: Vec<Spend> = (0..200).map(Spend::Message).collect();
        start_together(&budget, &spends).await;
        assert_eq!(budget.channels_tracked(), 200);
        tokio::time::sleep(Duration::from_secs(5)).await;
        budget.spend(Spend::Message(7)).await;
        assert_eq!(budget.channels_tracked(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn edits_and_reads_share_the_pace_of_posts_and_interactions_only_the_brake() {
        let budget = Arc::new(RestBudget::with_limits(
            Limit {
                count: 3,
                window: Duration::from_secs(1),
            },
            PER_CHANNEL,
            2,
        ));
        let begin = Instant::now();
        // A post, an edit, a read, and follow-ups (a snooze reminder).
        let spends = [
            Spend::Message(1),
            Spend::Request,
            Spend::Request,
            Spend::Message(2),
            Spend::Interaction,
            Spend::Interaction,
        ];
        let started = start_together(&budget, &spends).await;
        let paced: Vec<Instant> = started
            .iter()
            .filter(|(s, _)| *s != Spend::Interaction)
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(densest(&paced, Duration::from_secs(1)), 3);
        assert_eq!(*paced.iter().max().unwrap() - begin, Duration::from_secs(1));
        // Follow-ups do not wait for the global pace...
        assert!(started
            .iter()
            .filter(|(s, _)| *s == Spend::Interaction)
            .all(|(_, t)| *t == begin));
        // ...but refusals of any request hold them back too.
        budget.answered(RouteGroup::Messages, 429);
        budget.answered(RouteGroup::Interactions, 403);
        budget.answered(RouteGroup::Messages, 200);
        let held = Instant::now();
        budget.spend(Spend::Interaction).await;
        assert_eq!(Instant::now() - held, INVALID_WINDOW);
    }

    #[test]
    fn many_refused_requests_hold_the_bot_back_until_they_age_out() {
        let start = Instant::now();
        let mut refused = RefusedRequests::default();
        for i in 0..INVALID_BRAKE - 1 {
            refused.record(start + Duration::from_millis(i as u64));
        }
        assert_eq!(
            refused.brake(start + Duration::from_secs(1), INVALID_BRAKE),
            None
        );
        refused.record(start + Duration::from_secs(1));
        let wait = refused
            .brake(start + Duration::from_secs(2), INVALID_BRAKE)
            .expect("brake");
        // Until the first refusal is ten minutes old.
        assert_eq!(wait, INVALID_WINDOW - Duration::from_secs(2));
        assert_eq!(refused.brake(start + INVALID_WINDOW, INVALID_BRAKE), None);
    }
}
