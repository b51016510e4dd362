-- Prompts in channels: the tip each prompt showed, moderators told about a
-- schedule paused by an error, and members' snoozes.

-- The catalog tip a prompt showed (an index into its exercise's tips), so the
-- next prompt of that exercise in the channel shows another one.
ALTER TABLE occurrences ADD COLUMN tip_index INTEGER;

-- 1 while the server's moderators have not yet been told that the schedule was
-- paused by an error; the next moderator command says so, once.
ALTER TABLE schedules ADD COLUMN pause_notice_pending INTEGER NOT NULL DEFAULT 0
    CHECK (pause_notice_pending IN (0, 1));

-- "Snooze 10 min": a private reminder sent through the click's interaction
-- token (valid for 15 minutes) when due_at comes, also after a restart.
-- The row is deleted once the reminder is sent or the token has expired.
CREATE TABLE snoozes (
    interaction_id    INTEGER PRIMARY KEY NOT NULL,
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    occurrence_id     INTEGER NOT NULL REFERENCES occurrences (id) ON DELETE CASCADE,
    interaction_token TEXT NOT NULL,
    due_at            INTEGER NOT NULL,
    token_expires_at  INTEGER NOT NULL,
    UNIQUE (occurrence_id, user_id)
);
CREATE INDEX snoozes_by_due ON snoozes (due_at);

-- What a schedule posts: movement prompts, or the server's leaderboard (at
-- most one per server, set with /settings leaderboard-schedule). Board posts
-- are occurrences too, so they are claimed and posted exactly like prompts.
ALTER TABLE schedules ADD COLUMN kind TEXT NOT NULL DEFAULT 'prompt'
    CHECK (kind IN ('prompt', 'board'));
-- With kind 'board': which week the board shows, 'this-week' or 'last-week'.
ALTER TABLE schedules ADD COLUMN board_period TEXT
    CHECK (board_period IN ('this-week', 'last-week'));
CREATE UNIQUE INDEX schedules_one_board_per_server ON schedules (guild_id) WHERE kind = 'board';
-- Board occurrences have no exercise: theirs is ''.
ALTER TABLE occurrences ADD COLUMN kind TEXT NOT NULL DEFAULT 'prompt'
    CHECK (kind IN ('prompt', 'board'));
