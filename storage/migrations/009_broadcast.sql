-- /avviso (issue 8): an admin's broadcast to the referents of an ATS, delivered in the
-- background, resumed after a restart, never twice to the same person.
-- Timestamps ISO 8601 UTC.

-- One row per confirmed broadcast, written with its recipients and its audit row in one
-- transaction. `request_key` is the preview the admin confirmed: a second tap on the same
-- Conferma (or the same tap after a crash) finds it and creates nothing.
-- `body` is the admin's text; it is emptied (NULL) once every recipient's send has ended:
-- the referents have it in their chats, and free text may carry what should not be kept.
CREATE TABLE broadcasts (
    id               INTEGER PRIMARY KEY,
    request_key      TEXT NOT NULL UNIQUE,
    ats_code         TEXT,                     -- NULL: a regional admin's, every ATS
    audience         TEXT NOT NULL CHECK (audience IN ('all', 'sentinel')),
    body             TEXT,
    body_length      INTEGER NOT NULL,         -- characters, kept for the record
    created_by       INTEGER NOT NULL,         -- telegram user id of the admin
    created_at       TEXT NOT NULL,
    completed_at     TEXT,                     -- every recipient's send has ended
    -- the final count to the admin: claimed before the send, marked after; a crash in
    -- between leaves 'claimed', which is not sent again
    summary_state    TEXT NOT NULL DEFAULT 'pending'
        CHECK (summary_state IN ('pending', 'claimed', 'sent', 'failed')),
    summary_sent_at  TEXT
);
-- the unfinished ones (each delivery run), those a crash left claimed (at start-up)
CREATE INDEX broadcasts_by_summary ON broadcasts (summary_state);
CREATE INDEX broadcasts_by_ats ON broadcasts (ats_code, id);

-- One row per person to reach. Claimed ('claimed') before the send and marked after:
-- a row a crash left claimed is counted as failed ('uncertain') and never sent again.
-- A send that surely did not reach Telegram goes back to 'pending' until next_attempt_at.
CREATE TABLE broadcast_recipients (
    id               INTEGER PRIMARY KEY,
    broadcast_id     INTEGER NOT NULL REFERENCES broadcasts (id),
    referent_id      INTEGER NOT NULL REFERENCES referents (id),
    user_id          INTEGER NOT NULL,         -- telegram user id (the chat)
    state            TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'claimed', 'sent', 'blocked', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_at       TEXT,
    done_at          TEXT,
    message_id       INTEGER,
    error            TEXT,                     -- an error class name, or 'uncertain'
    UNIQUE (broadcast_id, user_id)
);
CREATE INDEX broadcast_recipients_due ON broadcast_recipients (broadcast_id, state, next_attempt_at);
CREATE INDEX broadcast_recipients_claimed ON broadcast_recipients (state) WHERE state = 'claimed';
