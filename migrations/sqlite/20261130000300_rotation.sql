-- Rotations: a prompt schedule's exercises, prompted in order, one per firing.

-- The exercises become a JSON array of catalog keys, in rotation order
-- (duplicates allowed: a key named twice comes twice as often); boards have
-- `[]`. Existing schedules keep theirs, in order (in practice one: a
-- rotation of one).
ALTER TABLE schedules ADD COLUMN rotation TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(rotation) AND json_type(rotation) = 'array');
WITH RECURSIVE split (schedule_id, position, word, rest) AS (
    SELECT id, 0, '', exercises || ' ' FROM schedules
    UNION ALL
    SELECT schedule_id, position + 1, substr(rest, 1, instr(rest, ' ') - 1),
           substr(rest, instr(rest, ' ') + 1)
    FROM split WHERE rest <> ''
)
UPDATE schedules SET rotation = (
    SELECT json_group_array(word ORDER BY position) FROM split
    WHERE split.schedule_id = schedules.id AND word <> ''
);
ALTER TABLE schedules DROP COLUMN exercises;
ALTER TABLE schedules RENAME COLUMN rotation TO exercises;

-- How many firings the schedule has prompted since its exercises were last
-- set; the next prompt is the exercise in slot `rotation_turns % length`.
-- It moves on in the transaction that claims a new firing, so removing old
-- occurrences never moves it, and skipped firings take no turn.
ALTER TABLE schedules ADD COLUMN rotation_turns INTEGER NOT NULL DEFAULT 0
    CHECK (rotation_turns >= 0);

-- Which slot of its schedule's rotation a prompt took when it was claimed,
-- so it can show where it stands. NULL for boards, skipped firings and
-- prompts from before rotations.
ALTER TABLE occurrences ADD COLUMN rotation_slot INTEGER;
