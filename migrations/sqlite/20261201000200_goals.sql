-- Goals, forgiving streaks, a team goal, milestones and role rewards.
-- Expand only: new tables and nullable or defaulted columns.

-- A server's default goal targets, set with /settings goals; NULL = the
-- health guidance's default (walk 30 minutes a day, strength work on 3 days
-- a week, 8 sets of heel raises a working day, 6 glasses of water).
ALTER TABLE servers ADD COLUMN goal_walk_minutes INTEGER;
ALTER TABLE servers ADD COLUMN goal_strength_days INTEGER;
ALTER TABLE servers ADD COLUMN goal_heel_sets INTEGER;
ALTER TABLE servers ADD COLUMN goal_water_glasses INTEGER;

-- A member's own targets (/me goals); NULL = the server's. goals_off = 1:
-- the member has turned goals off.
ALTER TABLE members ADD COLUMN goals_off INTEGER NOT NULL DEFAULT 0 CHECK (goals_off IN (0, 1));
ALTER TABLE members ADD COLUMN goal_walk_minutes INTEGER;
ALTER TABLE members ADD COLUMN goal_strength_days INTEGER;
ALTER TABLE members ADD COLUMN goal_heel_sets INTEGER;
ALTER TABLE members ADD COLUMN goal_water_glasses INTEGER;

-- /vacation: local dates (the member's) on which the streak is protected,
-- both ends included. Streaks and freezes are replayed from check-ins and
-- these rows, never kept as counters. /vacation end moves last_date back,
-- or removes a vacation that had not begun.
CREATE TABLE vacations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    first_date TEXT NOT NULL,
    last_date  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (first_date <= last_date)
);
CREATE INDEX vacations_by_member ON vacations (guild_id, user_id, first_date);

-- A server's weekly team goal (/team-goal set).
CREATE TABLE team_goals (
    guild_id   INTEGER PRIMARY KEY NOT NULL,
    metric     TEXT NOT NULL CHECK (metric IN ('points', 'minutes', 'checkins')),
    target     INTEGER NOT NULL CHECK (target > 0),
    period     TEXT NOT NULL DEFAULT 'week' CHECK (period IN ('week')),
    set_by     INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- What was celebrated, so each is said once: a member's milestone
-- ('streak-7', 'streak-30', 'streak-100', 'goal-week'), or the team goal
-- reached in a week (user_id 0, 'team-goal:' and the week's first date).
CREATE TABLE celebrations (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    key      TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, key)
);

-- Role rewards: the role a member gets at a streak milestone.
CREATE TABLE milestone_roles (
    guild_id   INTEGER NOT NULL,
    days       INTEGER NOT NULL CHECK (days IN (7, 30, 100)),
    role_id    INTEGER NOT NULL,
    set_by     INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, days)
);

-- Role grants, queued when a milestone is reached and sent to Discord at
-- its pace; a member gets each role once. 'refused' keeps Discord's reason.
CREATE TABLE role_grants (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    role_id    INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'refused')),
    detail     TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, role_id)
);
CREATE INDEX role_grants_by_state ON role_grants (state, created_at);
