//! The reply to `/help`.

use super::DISCLAIMER;

/// The reply to `/help`.
pub fn help() -> String {
    [
        "**secondheart** keeps your team's \"second heart\" working: your calf muscles pump blood from the legs back to the heart, and long sitting lets it pool. The bot posts short movement prompts and counts what you do.",
        "",
        "**Habits worth building**",
        "• Seated heel raises every 30 minutes of desk work",
        "• A brisk walk, at least 30 minutes a day (hills and stairs work the calves harder)",
        "• Calf strength work 2 to 3 times a week: calf raises, skipping rope, stairs",
        "• A calf stretch after long sitting or standing: wall stretch, downward dog",
        "• Enough water through the day",
        "",
        "**Commands**",
        "`/checkin exercise amount [note]` log what you did · `/undo` take back your latest check-in (within an hour)",
        "`/stats [member] [period]` totals, points, streak · `/leaderboard [period] [metric] [exercise]` the top ten",
        "`/me timezone zone` your zone for streak days · `/me goals` your own goals, or off · `/privacy leaderboard:on|off` appear on leaderboards or not",
        "`/vacation days:N` protect your streak while away (`end:True` ends it) · `/team-goal show` the team's weekly goal",
        "Every 7 days of streak earn a freeze day (up to 2), spent by itself on a missed day.",
        "",
        "**Your data** The bot keeps your check-ins and notes, prompt answers, settings and display name in this server, to count streaks and boards; moderators can export the server's check-ins. `/export-me` sends you all of it as CSV; `/forget-me` deletes it. The full privacy notice is PRIVACY.md in the bot's repository.",
        "**For moderators** (Manage Server, or the server's moderator role)",
        "`/schedule add|list|edit|remove|pause|resume|preview` prompt schedules · `/settings timezone|week-start|moderator-role|quiet-hours|exercises|goals|milestone-role|show` · `/team-goal set` · `/audit` recent moderator actions · `/export` the server's check-ins · `/checkin-for` log for a member",
        "",
        DISCLAIMER,
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::render::MAX_CONTENT;

    #[test]
    fn help_carries_the_disclaimer_and_fits() {
        assert!(help().contains(DISCLAIMER));
        assert!(help().chars().count() <= MAX_CONTENT);
    }
}
