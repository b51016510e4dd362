//! Shared helpers for the measurement programs in `src/bin/`.

use std::time::Duration;

/// The median of some durations.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    assert!(!samples.is_empty(), "no samples");
    samples.sort();
    samples[samples.len() / 2]
}
