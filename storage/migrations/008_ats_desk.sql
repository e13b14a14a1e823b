-- The ATS desk (issue 8): the early-warning pushes and the admins' broadcasts.
-- Timestamps ISO 8601 UTC, days ISO text ('2026-11-17').

-- One row per (ATS, recording day, admin) the early-warning report was pushed to when the
-- day's window closed. Claimed (inserted) before the send, marked after: the UNIQUE key
-- makes a second run, a restart or a second job send nothing twice.
CREATE TABLE report_pushes (
    id             INTEGER PRIMARY KEY,
    ats_code       TEXT NOT NULL,
    day            TEXT NOT NULL,
    admin_user_id  INTEGER NOT NULL,           -- telegram user id
    flagged        INTEGER NOT NULL,           -- plessi flagged (a count, no names)
    state          TEXT NOT NULL DEFAULT 'claimed'
        CHECK (state IN ('claimed', 'sent', 'unreachable', 'failed')),
    claimed_at     TEXT NOT NULL,
    done_at        TEXT,
    UNIQUE (ats_code, day, admin_user_id)
);
