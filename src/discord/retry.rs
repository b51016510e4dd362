//! Honouring Discord's 429s. Through a proxy or the fake Discord, serenity's
//! own rate limiter is off, so the bot waits and retries itself. serenity
//! does not pass `retry_after` on when its limiter is off (the body it sees
//! has no readable error), so waits grow from a short backoff.

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::time::Instant;

/// The first wait after a 429; it doubles each time, up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(250);
const MAX_WAIT: Duration = Duration::from_secs(8);

/// Whether Discord answered 429 Too Many Requests.
pub fn is_rate_limited(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 429
    )
}

/// Runs `request` until it is not rate limited, waiting between tries, as
/// long as another try can start before `deadline`.
pub async fn honouring_rate_limits<T, F, Fut>(
    deadline: Instant,
    mut request: F,
) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut wait = FIRST_WAIT;
    loop {
        match request().await {
            Err(error) if is_rate_limited(&error) && Instant::now() + wait < deadline => {
                tracing::warn!(
                    wait_ms = wait.as_millis() as u64,
                    "rate limited by Discord; waiting"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_WAIT);
            }
            other => return other,
        }
    }
}
