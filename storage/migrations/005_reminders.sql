-- Scheduled reminders (issue 7): what was pushed to whom, who cannot be reached, and the
-- reminders an admin sent by hand. Timestamps ISO 8601 UTC, days ISO text ('2026-11-17').

-- One row per reminder: a referent, a plesso, a kind, the day it is about and, where a kind
-- can recur on one day, a reference (the case id; the admin's push id). The row is claimed
-- (inserted) before the message is sent and marked after: the UNIQUE key is what makes a
-- second run, a restart or a second job send nothing twice. A row left 'claimed' by a crash
-- is released at the next start-up and sent again only if its window is still open.
CREATE TABLE reminder_log (
    id           INTEGER PRIMARY KEY,
    referent_id  INTEGER NOT NULL REFERENCES referents (id),
    plesso_code  TEXT NOT NULL REFERENCES plessi (code),
    kind         TEXT NOT NULL
        CHECK (kind IN ('absences', 'last_call', 'enrolment', 'case_24h', 'case_72h', 'manual')),
    day          TEXT NOT NULL,
    ref          TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'claimed'
        CHECK (state IN ('claimed', 'sent', 'unreachable', 'failed')),
    claimed_at   TEXT NOT NULL,
    done_at      TEXT,
    message_id   INTEGER,
    UNIQUE (referent_id, plesso_code, kind, day, ref)
);
-- "who was reminded for day D" (/promemoria), "what is already logged since D" (each run)
CREATE INDEX reminder_log_by_day ON reminder_log (day, plesso_code);
-- rows a crash left claimed, looked up at start-up
CREATE INDEX reminder_log_claimed ON reminder_log (state) WHERE state = 'claimed';

-- Referents Telegram refuses to deliver to (they blocked the bot, or deleted their account).
-- Not retried until they write to the bot again, which deletes the row; shown to the admins.
CREATE TABLE unreachable_referents (
    referent_id        INTEGER PRIMARY KEY REFERENCES referents (id),
    unreachable_since  TEXT NOT NULL,
    reason             TEXT NOT NULL
);

-- "Remind the missing ones now" from /promemoria: at most one an hour per ATS.
-- ats_code NULL: a regional admin's push, for every ATS.
CREATE TABLE reminder_pushes (
    id            INTEGER PRIMARY KEY,
    ats_code      TEXT,
    day           TEXT NOT NULL,
    requested_by  INTEGER NOT NULL,
    requested_at  TEXT NOT NULL
);
CREATE INDEX reminder_pushes_by_time ON reminder_pushes (requested_at);
