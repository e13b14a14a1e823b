-- The vaccination-duty check (issue 18, D.L. 73/2017 art. 3-bis): the "vaccini" role per
-- plesso, the school's yearly list of pupils, the ATS's answer and the school's follow-up.

-- What an invitation grants: a COVID referent's access ('referent') or the vaccini role.
ALTER TABLE invitations ADD COLUMN role TEXT NOT NULL DEFAULT 'referent';

-- A person's "vaccini" role on a plesso (the person is a row of referents: one profile,
-- whichever roles they hold); revoking keeps the row for the record.
CREATE TABLE vaccine_officers (
    referent_id  INTEGER NOT NULL REFERENCES referents (id),
    plesso_code  TEXT NOT NULL REFERENCES plessi (code),
    granted_at   TEXT NOT NULL,
    revoked_at   TEXT,
    PRIMARY KEY (referent_id, plesso_code)
);
CREATE INDEX vaccine_officers_by_plesso ON vaccine_officers (plesso_code, revoked_at);

-- One plesso's campaign of a year (the list for the school year starting in September of
-- `year`): when the ATS published its answer and when the school transmitted the outcome.
CREATE TABLE vaccine_campaigns (
    plesso_code     TEXT NOT NULL REFERENCES plessi (code),
    year            INTEGER NOT NULL,
    published_at    TEXT,
    transmitted_at  TEXT,
    PRIMARY KEY (plesso_code, year)
);
CREATE INDEX vaccine_campaigns_by_year ON vaccine_campaigns (year);  -- the retention

-- A list of pupils: the first one ('elenco') and the late enrolments ('integrazione').
-- A draft (sent_at NULL) is replaced by each new upload; a sent list is locked.
-- AUTOINCREMENT: a replaced draft's id is never given again, so the «Conferma invio» of a
-- draft reviewed earlier cannot send the one uploaded after it.
CREATE TABLE vaccine_lists (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    plesso_code  TEXT NOT NULL REFERENCES plessi (code),
    year         INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    rows_refused INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    sent_by      INTEGER,
    receipt      TEXT
);
CREATE INDEX vaccine_lists_by_plesso ON vaccine_lists (plesso_code, year);
CREATE INDEX vaccine_lists_by_year ON vaccine_lists (year);  -- the retention

-- A pupil of a list, the ATS's outcome for them and the school's follow-up. Health data:
-- only the plesso's vaccini role and its ATS see it, never in message text.
CREATE TABLE vaccine_pupils (
    id              INTEGER PRIMARY KEY,
    list_id         INTEGER NOT NULL REFERENCES vaccine_lists (id) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    codice_fiscale  TEXT NOT NULL,
    surname         TEXT NOT NULL,
    name            TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    class_name      TEXT NOT NULL DEFAULT '',
    service         TEXT NOT NULL,
    unaccompanied   INTEGER NOT NULL DEFAULT 0,
    outcome         TEXT,
    invited_on      TEXT,
    document        TEXT,
    document_on     TEXT
);
CREATE INDEX vaccine_pupils_by_list ON vaccine_pupils (list_id);

-- What the vaccini holders and the admins are told (the answer published, the reminders of
-- the legal calendar, the ATS's list of schools that missed the deadline): an outbox, as
-- referent_notices (migration 012). `kind` carries the day ("list:2027-03-01"): one
-- reminder per person, kind and day, however many runs. Counts only, never names.
CREATE TABLE vaccine_notices (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    scope            TEXT NOT NULL,            -- the plesso code, or an admin's ATS ('' regional)
    year             INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed', 'unreachable')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    UNIQUE (user_id, kind, scope)
);
CREATE INDEX vaccine_notices_due ON vaccine_notices (status, next_attempt_at);
CREATE INDEX vaccine_notices_by_year ON vaccine_notices (year);  -- the retention
