-- Small facts the bot keeps about itself, such as the command definitions it
-- last registered with Discord (so an unchanged set is not registered again:
-- Discord allows 200 command creations a day).
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
