//! Catch-up after downtime: which missed firings to post late, and which to
//! record as skipped. Never a burst of old prompts: at most the latest missed
//! firing is posted, and only if it is still inside the window.

use chrono::{DateTime, Duration, Utc};

/// What to do with the firings missed while the bot was down.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatchUp {
    /// The one firing to post now, late.
    pub post: Option<DateTime<Utc>>,
    /// Firings to record as skipped, oldest first.
    pub skip: Vec<DateTime<Utc>>,
}

/// Decides about `missed`: the firings after the last one handled and at or
/// before `now`, in order. The latest is posted if `now` is at most `window`
/// after it; everything else is skipped.
pub fn catch_up(
    missed: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
    window: Duration,
) -> CatchUp {
    let mut skip: Vec<DateTime<Utc>> = missed.into_iter().filter(|at| *at <= now).collect();
    skip.sort();
    skip.dedup();
    let post = match skip.last() {
        Some(&latest) if now - latest <= window => skip.pop(),
        _ => None,
    };
    CatchUp { post, skip }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 5, 3, h, m, 0).unwrap()
    }

    #[test]
    fn the_latest_inside_the_window_is_posted_and_older_ones_skipped() {
        let decision = catch_up(
            [t(9, 0), t(9, 30), t(10, 0)],
            t(10, 4),
            Duration::minutes(10),
        );
        assert_eq!(
            decision,
            CatchUp {
                post: Some(t(10, 0)),
                skip: vec![t(9, 0), t(9, 30)]
            }
        );
    }

    #[test]
    fn nothing_is_posted_outside_the_window() {
        let decision = catch_up([t(9, 0), t(10, 0)], t(10, 11), Duration::minutes(10));
        assert_eq!(
            decision,
            CatchUp {
                post: None,
                skip: vec![t(9, 0), t(10, 0)]
            }
        );
        // Exactly at the window's edge still counts.
        let decision = catch_up([t(10, 0)], t(10, 10), Duration::minutes(10));
        assert_eq!(decision.post, Some(t(10, 0)));
    }

    #[test]
    fn no_missed_firings_means_nothing_to_do() {
        assert_eq!(
            catch_up([], t(10, 0), Duration::minutes(10)),
            CatchUp::default()
        );
        // A firing still in the future is not missed.
        assert_eq!(
            catch_up([t(11, 0)], t(10, 0), Duration::minutes(10)),
            CatchUp::default()
        );
    }

    proptest! {
        #![proptest_config(crate::domain::proptest_config())]

        #[test]
        fn never_more_than_one_post_and_never_outside_the_window(
            offsets in proptest::collection::vec(0i64..10_000, 0..50),
            now_offset in 0i64..12_000,
            window_minutes in 0i64..120,
        ) {
            let base = t(0, 0);
            let missed: Vec<_> = offsets.iter().map(|m| base + Duration::minutes(*m)).collect();
            let now = base + Duration::minutes(now_offset);
            let window = Duration::minutes(window_minutes);
            let decision = catch_up(missed.clone(), now, window);
            if let Some(post) = decision.post {
                prop_assert!(post <= now && now - post <= window);
                prop_assert!(!decision.skip.contains(&post));
                prop_assert!(decision.skip.iter().all(|s| *s < post));
            }
            // Every missed firing is either posted or skipped, exactly once.
            let mut handled = decision.skip.clone();
            handled.extend(decision.post);
            handled.sort();
            let mut expected: Vec<_> = missed.into_iter().filter(|m| *m <= now).collect();
            expected.sort();
            expected.dedup();
            prop_assert_eq!(handled, expected);
        }
    }
}
