-- "Chiudi e invia il caso in ATS" (issue 5): the receipt, the hand-over outbox, and the lock.
-- Timestamps ISO 8601 UTC.

-- The receipt code the ATS can quote back: unique among cases that have one.
CREATE UNIQUE INDEX cases_by_receipt ON cases (receipt_code) WHERE receipt_code IS NOT NULL;
-- The admins' /casi: the closed cases, newest first.
CREATE INDEX cases_closed ON cases (closed_at DESC, id DESC) WHERE status = 'closed';

-- One row per (closed case, admin to notify), written in the closing transaction: delivered
-- after the commit, retried with back-off by a job and at start-up, so a crash between the
-- closing and the message loses nothing and the closing is never repeated.
CREATE TABLE ats_outbox (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES cases (id),
    admin_user_id    INTEGER NOT NULL,         -- telegram user id
    status           TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed', 'unreachable')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,                     -- an error class name, never message content
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    UNIQUE (case_id, admin_user_id)
);
CREATE INDEX ats_outbox_due ON ats_outbox (status, next_attempt_at);

-- The one sanctioned way through the lock: retention (issue 8) inserts this row at the
-- start of its transaction and deletes it before the commit. Nothing else writes it.
CREATE TABLE retention_guard (id INTEGER PRIMARY KEY CHECK (id = 1));

-- Locked means locked: a closed case and its contacts refuse every change, whatever path.
-- The closing itself (open -> closed) passes: OLD.status is still 'open'.
CREATE TRIGGER cases_closed_no_update BEFORE UPDATE ON cases
WHEN OLD.status = 'closed' AND NOT EXISTS (SELECT 1 FROM retention_guard)
BEGIN
    SELECT RAISE(ABORT, 'case closed');
END;

CREATE TRIGGER cases_closed_no_delete BEFORE DELETE ON cases
WHEN OLD.status = 'closed' AND NOT EXISTS (SELECT 1 FROM retention_guard)
BEGIN
    SELECT RAISE(ABORT, 'case closed');
END;

CREATE TRIGGER contacts_closed_no_insert BEFORE INSERT ON contacts
WHEN (SELECT status FROM cases WHERE id = NEW.case_id) = 'closed'
    AND NOT EXISTS (SELECT 1 FROM retention_guard)
BEGIN
    SELECT RAISE(ABORT, 'case closed');
END;

CREATE TRIGGER contacts_closed_no_update BEFORE UPDATE ON contacts
WHEN ((SELECT status FROM cases WHERE id = OLD.case_id) = 'closed'
      OR (SELECT status FROM cases WHERE id = NEW.case_id) = 'closed')
    AND NOT EXISTS (SELECT 1 FROM retention_guard)
BEGIN
    SELECT RAISE(ABORT, 'case closed');
END;

CREATE TRIGGER contacts_closed_no_delete BEFORE DELETE ON contacts
WHEN (SELECT status FROM cases WHERE id = OLD.case_id) = 'closed'
    AND NOT EXISTS (SELECT 1 FROM retention_guard)
BEGIN
    SELECT RAISE(ABORT, 'case closed');
END;
