-- Processes running different Discord shards of one bot take turns to open
-- gateway sessions: Discord allows `max_concurrency` IDENTIFYs per 5 seconds,
-- one per bucket (shard id % max_concurrency). A process takes its bucket's
-- row before a shard identifies and holds it for the 5 seconds; another
-- process wanting the bucket waits until `until`.
CREATE TABLE identify_leases (
    bucket INTEGER PRIMARY KEY CHECK (bucket >= 0),
    holder TEXT NOT NULL,             -- the process, as the scheduler names it
    until  INTEGER NOT NULL           -- Unix milliseconds
);
