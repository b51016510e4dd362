-- secondheart's initial schema.
--
-- Conventions, chosen so that a PostgreSQL backend can share them:
-- * Instants are INTEGER milliseconds since the Unix epoch, UTC.
-- * Local calendar dates are TEXT 'YYYY-MM-DD'.
-- * Discord ids (snowflakes) are INTEGER; they fit in 63 bits.
-- * Every row that belongs to a Discord server carries its guild_id, and every
--   query filters on it: nothing of one server is reachable from another.

-- Per-server settings. A server without a row uses the configured defaults.
CREATE TABLE servers (
    guild_id               INTEGER PRIMARY KEY NOT NULL,
    timezone               TEXT,              -- IANA name; NULL = configured default
    week_start             INTEGER NOT NULL DEFAULT 0 CHECK (week_start BETWEEN 0 AND 6), -- 0 = Monday
    moderator_role_id      INTEGER,
    quiet_start_minute     INTEGER CHECK (quiet_start_minute BETWEEN 0 AND 1439), -- minutes after local midnight
    quiet_end_minute       INTEGER CHECK (quiet_end_minute BETWEEN 0 AND 1439),
    quiet_days             INTEGER NOT NULL DEFAULT 0 CHECK (quiet_days BETWEEN 0 AND 127), -- bit 0 = Monday
    disabled_exercises     TEXT NOT NULL DEFAULT '', -- space-separated catalog keys
    leaderboard_channel_id INTEGER,
    updated_at             INTEGER NOT NULL,
    CHECK ((quiet_start_minute IS NULL) = (quiet_end_minute IS NULL))
);

-- Moderator-defined prompt schedules. next_due_at is stored so that start-up
-- reads the earliest due schedule instead of recomputing every cron expression.
CREATE TABLE schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, -- never reused: old buttons cannot point at a new schedule
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    exercises      TEXT NOT NULL,    -- space-separated catalog keys, prompted in rotation
    spec           TEXT NOT NULL,    -- what the moderator typed (cron or friendly form)
    timezone       TEXT NOT NULL,
    role_id        INTEGER,          -- the only role a prompt may mention
    expires_at     INTEGER,
    state          TEXT NOT NULL CHECK (state IN ('active', 'paused', 'paused_by_error')),
    paused_until   INTEGER,          -- with state 'paused': resumes by itself then; NULL = until resumed
    pause_reason   TEXT,             -- with state 'paused_by_error': why, shown to moderators
    next_due_at    INTEGER,          -- NULL = never fires again
    last_fired_at  INTEGER,
    created_by     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX schedules_by_guild ON schedules (guild_id, id);
CREATE INDEX schedules_by_next_due ON schedules (next_due_at);

-- One firing of a schedule. It is inserted and claimed before it is posted, so
-- UNIQUE (schedule_id, due_at) makes a second post of the same firing impossible,
-- also across processes. Removing a schedule keeps its occurrences (schedule_id
-- becomes NULL) so that consistency figures of past periods stay right.
CREATE TABLE occurrences (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    schedule_id  INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    exercise     TEXT NOT NULL,
    due_at       INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('claimed', 'posted', 'skipped', 'failed', 'unknown')),
    claim_owner  TEXT,
    lease_until  INTEGER,
    message_id   INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    detail       TEXT,             -- why it was skipped, failed or is unknown
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (schedule_id, due_at)
);
CREATE INDEX occurrences_by_guild_time ON occurrences (guild_id, due_at);
CREATE INDEX occurrences_by_state ON occurrences (state, lease_until);

-- Check-ins. interaction_id is UNIQUE: a Discord interaction delivered twice
-- counts once. local_date is the member's calendar date when it happened,
-- fixed at check-in time so a later time zone change does not move old days.
CREATE TABLE checkins (
    id             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    interaction_id INTEGER NOT NULL UNIQUE,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    exercise       TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    points         INTEGER NOT NULL CHECK (points >= 0),
    occurred_at    INTEGER NOT NULL,
    local_date     TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('command', 'button', 'moderator')),
    occurrence_id  INTEGER REFERENCES occurrences (id) ON DELETE SET NULL,
    recorded_by    INTEGER,        -- the moderator, for source 'moderator'
    note           TEXT
);
CREATE INDEX checkins_by_guild_time ON checkins (guild_id, occurred_at);
CREATE INDEX checkins_by_member_time ON checkins (guild_id, user_id, occurred_at);

-- A member's answer to one prompt; the primary key makes it count once.
CREATE TABLE prompt_answers (
    occurrence_id INTEGER NOT NULL REFERENCES occurrences (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    guild_id      INTEGER NOT NULL,
    answer        TEXT NOT NULL CHECK (answer IN ('done', 'done_twice', 'not_now')),
    checkin_id    INTEGER REFERENCES checkins (id) ON DELETE SET NULL,
    answered_at   INTEGER NOT NULL,
    PRIMARY KEY (occurrence_id, user_id)
);
CREATE INDEX prompt_answers_by_guild_member ON prompt_answers (guild_id, user_id, answered_at);

-- Per-server member preferences, and the display name as the bot last saw it
-- (the bot has no member list; leaderboards show this name, never a mention).
CREATE TABLE members (
    guild_id            INTEGER NOT NULL,
    user_id             INTEGER NOT NULL,
    timezone            TEXT,      -- NULL = the server's zone
    leaderboard_opt_out INTEGER NOT NULL DEFAULT 0 CHECK (leaderboard_opt_out IN (0, 1)),
    display_name        TEXT,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- What moderators changed, by whom and when.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    guild_id INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX audit_log_by_guild_time ON audit_log (guild_id, at);
