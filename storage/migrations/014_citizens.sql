-- Citizens in isolation (issue 19, "Milano COR"): the register of positive people the ATS
-- loads, the chats linked to them, their diary, their household members, the urgent items
-- (red flags) and the reminder log. Health data (art. 9 GDPR): only the ATS desk and the
-- person (or whoever acts for them) read them. Timestamps ISO 8601 UTC, days ISO dates.
CREATE TABLE citizens (
    id                  INTEGER PRIMARY KEY,
    ats_code            TEXT NOT NULL,
    codice_fiscale      TEXT NOT NULL,
    surname             TEXT NOT NULL,
    name                TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    phone               TEXT NOT NULL,             -- E.164, as left at the laboratory
    d0                  TEXT NOT NULL,             -- the positive swab
    onset               TEXT,                      -- onset of symptoms, when known
    comune_code         TEXT NOT NULL DEFAULT '',  -- codice catastale of the domicile, if given
    token_hash          TEXT UNIQUE,               -- sha256 of the sign-in token, never the token
    token_expires_at    TEXT,
    token_used_at       TEXT,
    reminder_hour       INTEGER NOT NULL DEFAULT 8 CHECK (reminder_hour IN (8, 12, 16)),
    paused_until        TEXT,                      -- no reminder up to this day included
    household_taken_at  TEXT,                      -- the ATS took the household in charge
    created_by          INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    closed_at           TEXT,
    closed_by           INTEGER
);
-- One open isolation per person and ATS; a closed one may come back as a new row.
CREATE UNIQUE INDEX citizens_open_cf ON citizens (ats_code, codice_fiscale) WHERE closed_at IS NULL;

-- The chats that act for a person (a parent for two children: two rows, one active).
CREATE TABLE citizen_links (
    telegram_user_id  INTEGER NOT NULL,
    citizen_id        INTEGER NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    active            INTEGER NOT NULL DEFAULT 0,
    linked_by         INTEGER NOT NULL,            -- the user themselves, or the admin
    linked_at         TEXT NOT NULL,
    PRIMARY KEY (telegram_user_id, citizen_id)
);
CREATE INDEX citizen_links_by_citizen ON citizen_links (citizen_id);

-- Wrong phone/codice fiscale pairs, for the lock-out (no content, only the moment).
CREATE TABLE citizen_signin_failures (
    telegram_user_id  INTEGER NOT NULL,
    failed_at         TEXT NOT NULL
);
CREATE INDEX citizen_signin_failures_by_user ON citizen_signin_failures (telegram_user_id, failed_at);

CREATE TABLE diary_entries (
    citizen_id   INTEGER NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    symptoms     TEXT NOT NULL DEFAULT '',        -- comma-separated domain.diary.Symptom values
    temperature  REAL,
    red_flags    TEXT NOT NULL DEFAULT '',
    saved_at     TEXT NOT NULL,
    saved_by     INTEGER NOT NULL,
    PRIMARY KEY (citizen_id, day)
);

CREATE TABLE household_members (
    id               INTEGER PRIMARY KEY,
    citizen_id       INTEGER NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    surname          TEXT NOT NULL,
    name             TEXT NOT NULL,
    codice_fiscale   TEXT NOT NULL,
    phone            TEXT NOT NULL DEFAULT '',
    last_contact     TEXT,                         -- NULL: still lives with the person
    already_positive INTEGER NOT NULL DEFAULT 0,
    school           TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    UNIQUE (citizen_id, codice_fiscale)
);

-- Red flags put before the ATS: raised by a diary entry, handled by an admin.
CREATE TABLE citizen_alerts (
    id          INTEGER PRIMARY KEY,
    citizen_id  INTEGER NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    pushed_at   TEXT,                           -- claimed for the push to the admins
    handled_at  TEXT
);
CREATE INDEX citizen_alerts_by_citizen ON citizen_alerts (citizen_id);

-- The diary prompts and nudges sent: one of each a person and day.
CREATE TABLE citizen_reminders (
    citizen_id  INTEGER NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('prompt', 'nudge')),
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (citizen_id, day, kind)
);
