//! `secondheart sandbox`: a newcomer's first minute with the bot.

use crate::support::Workspace;

#[test]
fn the_sandbox_shows_prompts_clicks_edits_and_a_leaderboard() {
    let workspace = Workspace::new();
    let run = workspace.run(&["sandbox", "--seconds", "20", "--every", "4"]);
    let out = run.stdout();
    assert!(run.succeeded(), "stdout:\n{out}\nstderr:\n{}", run.stderr());
    for expected in [
        "Mo › /schedule add",
        "secondheart posts: ┃ Time to move: Standing calf raises",
        "[Done] [Done x2] [Snooze 5 s] [Not now]",
        "Ada › clicks [Done]",
        "secondheart → Ada (only Ada sees it): Logged **20 reps**",
        "secondheart edits its prompt: ┃ Done so far:",
        "secondheart → Dee (only Dee sees it): ⏰ Reminder",
        "Ada › /leaderboard",
        "secondheart: **Leaderboard** · points · this week",
        "1. Bo — ",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    let prompts = out.matches("secondheart posts:").count();
    assert!(
        (3..=6).contains(&prompts),
        "{prompts} prompts in 20 s at one per 4 s:\n{out}"
    );
    // Nothing but the transcript: the bot's own logs stay quiet.
    assert_eq!(run.stderr(), "", "stderr");
}
