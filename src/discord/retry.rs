//! Honouring Discord's 429s in serenity's calls. Through a proxy or the fake
//! Discord, serenity's own rate limiter is off, so the bot waits and retries
//! itself, with the bot's one [retry policy](crate::retry). serenity does not
//! pass `retry_after` on when its limiter is off (the body it sees has no
//! readable error), so waits grow from the policy's backoff.

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::time::Instant;

use crate::retry::{self, GaveUp, Next, Retryable, Until};

/// The longest one try may take: as long as a request may (the HTTP
/// client's timeout), budget wait aside.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether Discord answered 429 Too Many Requests.
pub fn is_rate_limited(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 429
    )
}

/// Only a 429 is retried here: these requests (a reply, the commands'
/// registration) are not all safe to send twice after a server error.
impl Retryable for serenity::Error {
    fn next(&self) -> Next {
        if is_rate_limited(self) {
            Next::Backoff
        } else {
            Next::Stop
        }
    }

    fn timed_out(_limit: Duration) -> Self {
        serenity::Error::Other("Discord did not answer in time")
    }
}

/// Runs `request` until it is not rate limited, waiting between tries, as
/// long as another try can start before `deadline`.
pub async fn honouring_rate_limits<T, F, Fut>(
    deadline: Instant,
    request: F,
) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let tried = retry::run(
        "a request rate limited by Discord",
        &mut Until(deadline),
        ATTEMPT_TIMEOUT,
        request,
    )
    .await;
    tried.map_err(|gave_up| match gave_up {
        GaveUp::Deadline(error) | GaveUp::Final(error) => error,
        GaveUp::Stopped => serenity::Error::Other("stopped retrying"),
    })
}
