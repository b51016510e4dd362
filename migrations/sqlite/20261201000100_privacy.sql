-- Members own their data: retention and servers the bot has left.

-- What retention keeps of the check-ins it deletes: one row per member, local
-- date and exercise, with sums and no notes, so streaks, best streaks and
-- all-time boards stay right. Streak and board queries read these beside
-- `checkins`.
CREATE TABLE checkin_day_totals (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    exercise   TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    points     INTEGER NOT NULL CHECK (points >= 0),
    checkins   INTEGER NOT NULL CHECK (checkins >= 0),
    first_at   INTEGER NOT NULL,  -- the earliest check-in summed
    last_at    INTEGER NOT NULL,  -- the latest check-in summed
    PRIMARY KEY (guild_id, user_id, local_date, exercise)
);
CREATE INDEX checkin_day_totals_by_guild_time ON checkin_day_totals (guild_id, last_at);

-- Servers the bot was removed from (not an outage). Their schedules stop at
-- once; their data goes once `retention.departed_server_days` have passed,
-- unless the bot is added back first (then the row goes).
CREATE TABLE departed_servers (
    guild_id    INTEGER PRIMARY KEY NOT NULL,
    departed_at INTEGER NOT NULL
);

-- Retention deletes the oldest rows of every server in small batches.
CREATE INDEX checkins_by_time ON checkins (occurred_at);
CREATE INDEX prompt_answers_by_time ON prompt_answers (answered_at);
CREATE INDEX occurrences_by_time ON occurrences (due_at);
