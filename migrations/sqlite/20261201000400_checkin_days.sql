-- Big servers answer at once: boards and `/stats` read sums per member (and
-- per member and local date) instead of every check-in.

-- The sums of the check-ins in `checkins`, one row per member, local date and
-- exercise, and one more per member and local date with exercise '*' (every
-- exercise together, what points boards read). Days retention moved out of
-- `checkins` are in `checkin_day_totals`, not here. Kept by the triggers
-- below in the transaction that adds or removes a check-in, whichever
-- release or path does it. A day wholly inside a period counts from here;
-- a day a period's bounds cut (`first_at` before the start, or `last_at`
-- at or after the end) is read from its check-ins.
CREATE TABLE checkin_days (
    guild_id   INTEGER NOT NULL,
    exercise   TEXT NOT NULL,     -- a catalog key, or '*' for the day's every exercise
    user_id    INTEGER NOT NULL,
    local_date TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    points     INTEGER NOT NULL CHECK (points >= 0),
    checkins   INTEGER NOT NULL CHECK (checkins > 0),
    moderated  INTEGER NOT NULL CHECK (moderated >= 0), -- check-ins of source 'moderator'
    first_at   INTEGER NOT NULL,  -- the earliest check-in summed
    last_at    INTEGER NOT NULL,  -- the latest check-in summed
    -- A board reads one exercise (or '*') of a server in member order.
    PRIMARY KEY (guild_id, exercise, user_id, local_date)
) WITHOUT ROWID;
-- `/stats` and streaks read one member's days; consistency, the latest
-- before an instant.
CREATE INDEX checkin_days_by_member ON checkin_days (guild_id, user_id, exercise, last_at);
-- A period's days, and the few its bounds cut, are found by their instants.
CREATE INDEX checkin_days_by_time
    ON checkin_days (guild_id, exercise, last_at, first_at, points, amount, checkins);

-- The same sums over all of a member's stored check-ins, one row per member
-- and exercise and one with exercise '*': a member whose every check-in
-- lies inside a period (all time, always) counts from here.
CREATE TABLE checkin_members (
    guild_id   INTEGER NOT NULL,
    exercise   TEXT NOT NULL,     -- a catalog key, or '*' for every exercise
    user_id    INTEGER NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    points     INTEGER NOT NULL CHECK (points >= 0),
    checkins   INTEGER NOT NULL CHECK (checkins > 0),
    first_at   INTEGER NOT NULL,  -- the member's earliest check-in
    last_at    INTEGER NOT NULL,  -- the member's latest check-in
    PRIMARY KEY (guild_id, exercise, user_id)
) WITHOUT ROWID;

CREATE TRIGGER checkin_days_add AFTER INSERT ON checkins
BEGIN
    INSERT INTO checkin_days (guild_id, exercise, user_id, local_date, amount, points, checkins,
                              moderated, first_at, last_at)
    VALUES (NEW.guild_id, NEW.exercise, NEW.user_id, NEW.local_date, NEW.amount, NEW.points, 1,
            NEW.source = 'moderator', NEW.occurred_at, NEW.occurred_at),
           (NEW.guild_id, '*', NEW.user_id, NEW.local_date, NEW.amount, NEW.points, 1,
            NEW.source = 'moderator', NEW.occurred_at, NEW.occurred_at)
    ON CONFLICT (guild_id, exercise, user_id, local_date) DO UPDATE SET
        amount = amount + excluded.amount,
        points = points + excluded.points,
        checkins = checkins + 1,
        moderated = moderated + excluded.moderated,
        first_at = MIN(first_at, excluded.first_at),
        last_at = MAX(last_at, excluded.last_at);
    INSERT INTO checkin_members (guild_id, exercise, user_id, amount, points, checkins,
                                 first_at, last_at)
    VALUES (NEW.guild_id, NEW.exercise, NEW.user_id, NEW.amount, NEW.points, 1,
            NEW.occurred_at, NEW.occurred_at),
           (NEW.guild_id, '*', NEW.user_id, NEW.amount, NEW.points, 1,
            NEW.occurred_at, NEW.occurred_at)
    ON CONFLICT (guild_id, exercise, user_id) DO UPDATE SET
        amount = amount + excluded.amount,
        points = points + excluded.points,
        checkins = checkins + 1,
        first_at = MIN(first_at, excluded.first_at),
        last_at = MAX(last_at, excluded.last_at);
END;

-- A row goes with its last check-in; otherwise its sums shrink and its
-- first and last instants are read again from the check-ins left (only when
-- the one removed was one of them).
CREATE TRIGGER checkin_days_remove AFTER DELETE ON checkins
BEGIN
    DELETE FROM checkin_days
    WHERE guild_id = OLD.guild_id AND exercise IN (OLD.exercise, '*')
      AND user_id = OLD.user_id AND local_date = OLD.local_date AND checkins = 1;
    UPDATE checkin_days SET
        amount = amount - OLD.amount,
        points = points - OLD.points,
        checkins = checkins - 1,
        moderated = moderated - (OLD.source = 'moderator'),
        first_at = CASE WHEN OLD.occurred_at > first_at THEN first_at ELSE
            (SELECT MIN(c.occurred_at) FROM checkins c
             WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id
               AND c.occurred_at BETWEEN checkin_days.first_at AND checkin_days.last_at
               AND c.local_date = OLD.local_date
               AND (checkin_days.exercise = '*' OR c.exercise = OLD.exercise)) END,
        last_at = CASE WHEN OLD.occurred_at < last_at THEN last_at ELSE
            (SELECT MAX(c.occurred_at) FROM checkins c
             WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id
               AND c.occurred_at BETWEEN checkin_days.first_at AND checkin_days.last_at
               AND c.local_date = OLD.local_date
               AND (checkin_days.exercise = '*' OR c.exercise = OLD.exercise)) END
    WHERE guild_id = OLD.guild_id AND exercise IN (OLD.exercise, '*')
      AND user_id = OLD.user_id AND local_date = OLD.local_date;
    DELETE FROM checkin_members
    WHERE guild_id = OLD.guild_id AND exercise IN (OLD.exercise, '*')
      AND user_id = OLD.user_id AND checkins = 1;
    UPDATE checkin_members SET
        amount = amount - OLD.amount,
        points = points - OLD.points,
        checkins = checkins - 1,
        first_at = CASE WHEN OLD.occurred_at > first_at THEN first_at ELSE
            (SELECT MIN(c.occurred_at) FROM checkins c
             WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id
               AND (checkin_members.exercise = '*' OR c.exercise = OLD.exercise)) END,
        last_at = CASE WHEN OLD.occurred_at < last_at THEN last_at ELSE
            (SELECT MAX(c.occurred_at) FROM checkins c
             WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id
               AND (checkin_members.exercise = '*' OR c.exercise = OLD.exercise)) END
    WHERE guild_id = OLD.guild_id AND exercise IN (OLD.exercise, '*')
      AND user_id = OLD.user_id;
END;

-- Check-ins only ever change who recorded them; a change of what they sum
-- would have to keep the sums too.
CREATE TRIGGER checkin_days_keep AFTER UPDATE OF guild_id, user_id, exercise, amount, points,
    occurred_at, local_date, source ON checkins
BEGIN
    SELECT RAISE(ABORT, 'a check-in''s sums cannot change in place');
END;

-- The sums of the check-ins already stored.
INSERT INTO checkin_days (guild_id, exercise, user_id, local_date, amount, points, checkins,
                          moderated, first_at, last_at)
SELECT guild_id, exercise, user_id, local_date, SUM(amount), SUM(points), COUNT(*),
       SUM(source = 'moderator'), MIN(occurred_at), MAX(occurred_at)
FROM checkins GROUP BY guild_id, exercise, user_id, local_date;
INSERT INTO checkin_days (guild_id, exercise, user_id, local_date, amount, points, checkins,
                          moderated, first_at, last_at)
SELECT guild_id, '*', user_id, local_date, SUM(amount), SUM(points), COUNT(*),
       SUM(source = 'moderator'), MIN(occurred_at), MAX(occurred_at)
FROM checkins GROUP BY guild_id, user_id, local_date;
INSERT INTO checkin_members (guild_id, exercise, user_id, amount, points, checkins, first_at,
                             last_at)
SELECT guild_id, exercise, user_id, SUM(amount), SUM(points), SUM(checkins), MIN(first_at),
       MAX(last_at)
FROM checkin_days GROUP BY guild_id, exercise, user_id;

-- Consistency counts a member's "done" answers to prompts due in a period:
-- the prompt's due instant beside each answer, and an index of the "done"
-- ones per member and instant. The bot writes it with the answer; the
-- trigger fills it for a release that does not.
ALTER TABLE prompt_answers ADD COLUMN due_at INTEGER; -- the prompt's, copied
UPDATE prompt_answers
SET due_at = (SELECT o.due_at FROM occurrences o WHERE o.id = prompt_answers.occurrence_id);
CREATE TRIGGER prompt_answers_due_at AFTER INSERT ON prompt_answers
WHEN NEW.due_at IS NULL
BEGIN
    UPDATE prompt_answers
    SET due_at = (SELECT o.due_at FROM occurrences o WHERE o.id = NEW.occurrence_id)
    WHERE occurrence_id = NEW.occurrence_id AND user_id = NEW.user_id;
END;
CREATE INDEX prompt_answers_done_by_member ON prompt_answers (guild_id, user_id, due_at)
WHERE answer IN ('done', 'done_twice');
