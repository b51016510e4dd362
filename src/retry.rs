//! The one retry policy of everything the bot sends to Discord: scheduled
//! posts, snooze reminders and replies or registrations hit by a 429.
//!
//! A try is bounded; a 429 that says how long to wait is waited out; other
//! temporary failures wait a backoff that doubles from [`FIRST`] up to
//! [`CAP`] with equal jitter; no try starts that would begin after the
//! deadline. What counts as temporary is the error's to say
//! ([`Retryable`]); how time passes, and what must happen between tries
//! (the scheduler renews its claim), is the caller's ([`Pace`]).

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;

/// The first wait after a temporary failure.
pub const FIRST: Duration = Duration::from_millis(500);
/// No backoff is longer than this.
pub const CAP: Duration = Duration::from_secs(30);

/// The wait before try `failures + 1` (0 is the first failure): doubling
/// from [`FIRST`] up to [`CAP`], then "equal jitter": half of it fixed, half
/// random (`jitter` in `[0, 1)`), so processes that failed together do not
/// retry together.
pub fn backoff(failures: u32, jitter: f64) -> Duration {
    let full = FIRST
        .saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(CAP);
    let half = full / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// What a failed try calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again after this long, not sooner (a 429's `retry_after`).
    After(Duration),
    /// Try again after a backoff (a 5xx, a timeout, a 429 that did not say).
    Backoff,
    /// Retrying cannot help.
    Stop,
}

/// An error a try can end with.
pub trait Retryable: Display + Sized {
    fn next(&self) -> Next;
    /// The error of a try that took longer than `limit`.
    fn timed_out(limit: Duration) -> Self;
}

/// The caller stopped retrying (the scheduler lost its claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// Why retrying ended without success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GaveUp<E> {
    /// No time for another try, with the last error.
    Deadline(E),
    /// An error retrying cannot fix.
    Final(E),
    /// The caller stopped.
    Stopped,
}

/// How time passes for one run of tries, and what happens between them.
#[async_trait]
pub trait Pace: Send {
    /// How long until the deadline; zero once it passed.
    fn time_left(&self) -> Duration;

    /// Sleeps `duration`: the bound of one try.
    async fn sleep(&self, duration: Duration);

    /// Runs before every try.
    async fn before_try(&mut self) -> Result<(), Stopped> {
        Ok(())
    }

    /// Waits `duration` between two tries.
    async fn wait(&mut self, duration: Duration) -> Result<(), Stopped> {
        self.sleep(duration).await;
        Ok(())
    }
}

/// Tokio's clock, up to an instant: for requests answering a member.
pub struct Until(pub tokio::time::Instant);

#[async_trait]
impl Pace for Until {
    fn time_left(&self) -> Duration {
        self.0
            .saturating_duration_since(tokio::time::Instant::now())
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Runs `request` until it succeeds, fails for good, the pace stops, or no
/// further try can start before the deadline. Every try is bounded by
/// `attempt_timeout`; `what` names the request in the log.
pub async fn run<T, E, F, Fut>(
    what: &str,
    pace: &mut impl Pace,
    attempt_timeout: Duration,
    mut request: F,
) -> Result<T, GaveUp<E>>
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut failures = 0u32;
    loop {
        pace.before_try().await.map_err(|Stopped| GaveUp::Stopped)?;
        let result = tokio::select! {
            biased;
            result = request() => result,
            () = pace.sleep(attempt_timeout) => Err(E::timed_out(attempt_timeout)),
        };
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let wait = match error.next() {
            Next::After(wait) => wait,
            Next::Backoff => {
                let wait = backoff(failures, fastrand::f64());
                failures += 1;
                wait
            }
            Next::Stop => return Err(GaveUp::Final(error)),
        };
        if wait >= pace.time_left() {
            return Err(GaveUp::Deadline(error));
        }
        tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "{what} failed; trying again");
        pace.wait(wait).await.map_err(|Stopped| GaveUp::Stopped)?;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        assert_eq!(backoff(0, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(0, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(3, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(10, 1.0), CAP);
        assert_eq!(backoff(u32::MAX, 0.5), CAP.mul_f64(0.75));
        // Jitter outside [0, 1] is clamped into the range.
        assert_eq!(backoff(0, -3.0), Duration::from_millis(250));
        assert_eq!(backoff(0, 7.0), Duration::from_millis(500));
        for failures in 0..20 {
            let full = FIRST.saturating_mul(1 << failures.min(16)).min(CAP);
            for _ in 0..50 {
                let wait = backoff(failures, fastrand::f64());
                assert!(wait >= full / 2 && wait <= full, "{failures}: {wait:?}");
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Trouble {
        Busy(Duration),
        Down,
        Refused,
        Slow(Duration),
    }

    impl Display for Trouble {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }

    impl Retryable for Trouble {
        fn next(&self) -> Next {
            match self {
                Trouble::Busy(after) => Next::After(*after),
                Trouble::Down | Trouble::Slow(_) => Next::Backoff,
                Trouble::Refused => Next::Stop,
            }
        }

        fn timed_out(limit: Duration) -> Self {
            Trouble::Slow(limit)
        }
    }

    /// Tries against scripted answers, with the (paused) tokio time of each.
    async fn tries(
        answers: impl IntoIterator<Item = Result<u32, Trouble>>,
        deadline: Duration,
    ) -> (Result<u32, GaveUp<Trouble>>, Vec<Duration>) {
        let start = tokio::time::Instant::now();
        let answers = Mutex::new(answers.into_iter().collect::<VecDeque<_>>());
        let times = Mutex::new(Vec::new());
        let result = run(
            "a test request",
            &mut Until(start + deadline),
            Duration::from_secs(10),
            || async {
                times.lock().unwrap().push(start.elapsed());
                let answer = answers.lock().unwrap().pop_front();
                match answer {
                    Some(answer) => answer,
                    // Never answers: the try's bound ends it.
                    None => std::future::pending().await,
                }
            },
        )
        .await;
        (result, times.into_inner().unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_waits_what_it_asked_and_server_errors_back_off() {
        let (result, times) = tries(
            [
                Err(Trouble::Busy(Duration::from_secs(7))),
                Err(Trouble::Down),
                Err(Trouble::Down),
                Ok(3),
            ],
            Duration::from_secs(60),
        )
        .await;
        assert_eq!(result, Ok(3));
        let gaps: Vec<_> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(gaps[0], Duration::from_secs(7), "retry_after honoured");
        assert!((Duration::from_millis(250)..=Duration::from_millis(500)).contains(&gaps[1]));
        assert!((Duration::from_millis(500)..=Duration::from_secs(1)).contains(&gaps[2]));
    }

    #[tokio::test(start_paused = true)]
    async fn no_try_starts_past_the_deadline_and_every_try_is_bounded() {
        // A 429 asking for longer than is left: given up at once.
        let (result, times) = tries(
            [Err(Trouble::Busy(Duration::from_secs(30)))],
            Duration::from_secs(20),
        )
        .await;
        assert_eq!(
            result,
            Err(GaveUp::Deadline(Trouble::Busy(Duration::from_secs(30))))
        );
        assert_eq!(times.len(), 1);

        // No answer at all: each try ends after 10 s, then backs off, until
        // the next try would start after the deadline.
        let (result, times) = tries([], Duration::from_secs(45)).await;
        assert_eq!(
            result,
            Err(GaveUp::Deadline(Trouble::Slow(Duration::from_secs(10))))
        );
        assert!(times.len() >= 3, "{times:?}");
        assert!(
            times.iter().all(|t| *t < Duration::from_secs(45)),
            "{times:?}"
        );

        // Refused: never retried.
        let (result, times) = tries([Err(Trouble::Refused)], Duration::from_secs(60)).await;
        assert_eq!(result, Err(GaveUp::Final(Trouble::Refused)));
        assert_eq!(times.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pace_that_stops_ends_the_tries() {
        struct Twice(u32);

        #[async_trait]
        impl Pace for Twice {
            fn time_left(&self) -> Duration {
                Duration::MAX
            }
            async fn sleep(&self, duration: Duration) {
                tokio::time::sleep(duration).await;
            }
            async fn before_try(&mut self) -> Result<(), Stopped> {
                self.0 += 1;
                if self.0 > 2 {
                    Err(Stopped)
                } else {
                    Ok(())
                }
            }
        }

        let mut pace = Twice(0);
        let result: Result<(), _> = run(
            "a test request",
            &mut pace,
            Duration::from_secs(1),
            || async { Err(Trouble::Down) },
        )
        .await;
        assert_eq!(result, Err(GaveUp::Stopped));
        assert_eq!(pace.0, 3);
    }
}
