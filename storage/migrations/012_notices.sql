-- The notices a referent gets about their access (issue 10): an outbox like ats_outbox
-- (migration 007). The row is written in the transaction of the change it announces (the
-- revocation), delivered after the commit, and retried with back-off by a job every minute
-- and at start-up: an outage or a restart delays the notice, never loses it.
-- Timestamps ISO 8601 UTC.
CREATE TABLE referent_notices (
    id               INTEGER PRIMARY KEY,
    referent_id      INTEGER NOT NULL REFERENCES referents (id),
    user_id          INTEGER NOT NULL,         -- the referent's telegram user id (the chat)
    kind             TEXT NOT NULL CHECK (kind IN ('revoked')),
    plesso_code      TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed', 'unreachable')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,                     -- an error class name, never message content
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
-- What is due: the delivery job's query, every minute.
CREATE INDEX referent_notices_due ON referent_notices (status, next_attempt_at);
-- A referent's notices (the change log, the tests).
CREATE INDEX referent_notices_by_referent ON referent_notices (referent_id);
