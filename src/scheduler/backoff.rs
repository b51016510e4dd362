//! How long to wait before trying a post again after a server error.

use std::time::Duration;

/// The first wait after a failure.
pub const FIRST: Duration = Duration::from_millis(500);
/// No wait is longer than this.
pub const CAP: Duration = Duration::from_secs(30);

/// The wait before try `attempt + 1` (attempt 0 is the first failure):
/// doubling from [`FIRST`] up to [`CAP`], then "equal jitter": half of it
/// fixed, half random (`jitter` in `[0, 1)`), so processes that failed
/// together do not retry together.
pub fn delay(attempt: u32, jitter: f64) -> Duration {
    let full = FIRST
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(CAP);
    let half = full / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_with_jitter_in_the_upper_half() {
        assert_eq!(delay(0, 0.0), Duration::from_millis(250));
        assert_eq!(delay(0, 1.0), Duration::from_millis(500));
        assert_eq!(delay(1, 0.0), Duration::from_millis(500));
        assert_eq!(delay(3, 1.0), Duration::from_secs(4));
        assert_eq!(delay(10, 1.0), CAP);
        assert_eq!(delay(u32::MAX, 0.5), CAP.mul_f64(0.75));
    }
}
