-- COVID cases reported by the referents of a plesso (issue 3).
-- Dates are ISO text (YYYY-MM-DD), timestamps ISO 8601 UTC, phones E.164.

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,      -- the "id" of the portal's case list
    plesso_code      TEXT NOT NULL REFERENCES plessi (code),
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    -- school data
    school_type      TEXT NOT NULL
        CHECK (school_type IN ('nido', 'infanzia', 'primaria', 'secondaria1', 'secondaria2', 'cfp')),
    class_name       TEXT NOT NULL,
    section          TEXT NOT NULL,
    referent_name    TEXT NOT NULL,
    referent_phone   TEXT NOT NULL,
    referent_email   TEXT NOT NULL,
    -- the case
    role             TEXT NOT NULL
        CHECK (role IN ('studente', 'docente', 'sostegno', 'educatore', 'personale')),
    surname          TEXT NOT NULL,
    name             TEXT NOT NULL,
    codice_fiscale   TEXT NOT NULL CHECK (length(codice_fiscale) = 16),
    birth_date       TEXT NOT NULL,
    comune_code      TEXT NOT NULL,            -- cadastral code of the comune of residence
    comune_name      TEXT NOT NULL,
    comune_province  TEXT NOT NULL,
    phone1           TEXT NOT NULL,
    phone2           TEXT,
    last_attendance  TEXT NOT NULL,
    swab_date        TEXT,
    onset_date       TEXT,
    -- bookkeeping
    created_by       INTEGER NOT NULL,         -- telegram user id
    created_at       TEXT NOT NULL,
    updated_by       INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,  -- optimistic concurrency: bumped by every edit
    closed_at        TEXT,                     -- "Chiudi e invia il caso in ATS" (issue 5)
    receipt_code     TEXT
);
-- The case list of a plesso, newest first.
CREATE INDEX cases_by_plesso ON cases (plesso_code, id DESC);
-- "Already reported by this plesso in the last 30 days".
CREATE INDEX cases_by_codice_fiscale ON cases (plesso_code, codice_fiscale, created_at);
