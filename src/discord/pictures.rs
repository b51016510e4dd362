//! Pictures on replies and board posts: drawn by the app's renderer,
//! attached with their alt text as the attachment's description, and left
//! out when drawing fails or the file would pass the attachment size limit:
//! the text, which always goes, says the same.

use poise::serenity_prelude as serenity;

use crate::app::AppError;
use crate::pictures::Picture;

use super::Context;

/// The board's file name, on `/leaderboard` and on board posts.
pub const BOARD_FILE: &str = "leaderboard.png";
/// The chart's file name, on `/stats`.
pub const CHART_FILE: &str = "stats.png";
/// Discord's attachment size limit for a bot in a server without boosts:
/// where no interaction tells the limit (board posts), and where one says 0.
pub const DEFAULT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

/// The interaction's attachment size limit.
pub fn size_limit(ctx: Context<'_>) -> u64 {
    match ctx {
        poise::Context::Application(app) => {
            Some(u64::from(app.interaction.attachment_size_limit)).filter(|limit| *limit > 0)
        }
        poise::Context::Prefix(_) => None,
    }
    .unwrap_or(DEFAULT_SIZE_LIMIT)
}

/// The attachment of a drawn picture, or `None` when there is none to send:
/// drawing failed, or the file is over `limit` bytes. Either is logged.
pub fn attachment(
    drawn: Result<Picture, AppError>,
    file: &str,
    limit: u64,
) -> Option<serenity::CreateAttachment> {
    match drawn {
        Err(error) => {
            tracing::error!(file, error = %error, "cannot draw a picture; the text goes alone");
            None
        }
        Ok(picture) if picture.png.len() as u64 > limit => {
            tracing::warn!(
                file,
                bytes = picture.png.len(),
                limit,
                "a picture is over the attachment size limit; the text goes alone"
            );
            None
        }
        Ok(picture) => {
            Some(serenity::CreateAttachment::bytes(picture.png, file).description(picture.alt_text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(bytes: usize) -> Picture {
        Picture {
            png: vec![0; bytes],
            width: 800,
            height: 200,
            alt_text: "Leaderboard: this week, by points.".to_owned(),
        }
    }

    #[test]
    fn a_picture_goes_with_its_alt_text_and_only_within_the_limit() {
        let attached = attachment(Ok(picture(100)), BOARD_FILE, 100).unwrap();
        assert_eq!(attached.filename, BOARD_FILE);
        assert_eq!(
            attached.description.as_deref(),
            Some("Leaderboard: this week, by points.")
        );
        assert_eq!(attached.data.len(), 100);
        // Over the interaction's limit, or not drawn: the text goes alone.
        assert!(attachment(Ok(picture(101)), BOARD_FILE, 100).is_none());
        let failed = Err(AppError::Internal(anyhow::anyhow!("no font")));
        assert!(attachment(failed, CHART_FILE, DEFAULT_SIZE_LIMIT).is_none());
    }
}
