//! Members' data: cells of an export that a spreadsheet must not run, and
//! the confirmation button of `/forget-me`.

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};

use super::UserId;

/// A cell as a spreadsheet will read it without running it: text starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or
/// becomes one) in Excel, LibreOffice and Google Sheets, so it gets a
/// leading `'`, which they show as text.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// How long the `/forget-me` confirmation button works.
pub const FORGET_CONFIRM_FOR: Duration = Duration::minutes(5);

/// The `/forget-me` confirmation button: whose data it deletes and until
/// when it works. Its `custom_id` is untrusted like every button's: it is
/// honoured only for the member it names pressing it themselves (Discord
/// says who pressed), in the server the press came from, before it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForgetButton {
    pub user: UserId,
    pub expires_at: DateTime<Utc>,
}

/// What a press of a [`ForgetButton`] may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgetPress {
    /// The member's own, in time: delete.
    Confirmed,
    /// Someone else's button.
    NotYours,
    /// Pressed too late.
    Expired,
}

impl ForgetButton {
    /// The button of `user` asking at `now`.
    pub fn new(user: UserId, now: DateTime<Utc>) -> Self {
        Self {
            user,
            expires_at: now + FORGET_CONFIRM_FOR,
        }
    }

    /// The `custom_id`: `forget:<user>:<expiry in Unix milliseconds>`.
    pub fn custom_id(self) -> String {
        format!(
            "forget:{}:{}",
            self.user.0,
            self.expires_at.timestamp_millis()
        )
    }

    /// Parses a `custom_id` strictly; `None` if it is not a forget button.
    pub fn parse(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.split(':');
        let (Some("forget"), Some(user), Some(expires), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(user) || !digits(expires) {
            return None;
        }
        Some(Self {
            user: UserId(user.parse().ok()?),
            expires_at: DateTime::from_timestamp_millis(expires.parse().ok()?)?,
        })
    }

    /// What pressing it by `presser` at `now` may do.
    pub fn press(self, presser: UserId, now: DateTime<Utc>) -> ForgetPress {
        if presser != self.user {
            ForgetPress::NotYours
        } else if now >= self.expires_at {
            ForgetPress::Expired
        } else {
            ForgetPress::Confirmed
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"));
        }
        for cell in ["", "walk", "12", "a=b", " =x", "é"] {
            assert_eq!(spreadsheet_safe(cell), cell);
        }
    }

    #[test]
    fn the_forget_button_is_for_its_member_until_it_expires() {
        let now = Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap();
        let button = ForgetButton::new(UserId(7), now);
        assert_eq!(ForgetButton::parse(&button.custom_id()), Some(button));
        assert_eq!(button.press(UserId(7), now), ForgetPress::Confirmed);
        assert_eq!(button.press(UserId(8), now), ForgetPress::NotYours);
        assert_eq!(
            button.press(UserId(7), now + FORGET_CONFIRM_FOR),
            ForgetPress::Expired
        );
        for foreign in [
            "",
            "forget:7",
            "forget:x:1",
            "forget:7:1:2",
            "p:1:done",
            "forget::1",
            "forget:7:-1",
        ] {
            assert_eq!(ForgetButton::parse(foreign), None, "{foreign}");
        }
    }
}
