-- The close contacts of a case (issue 4).
-- Dates are ISO text (YYYY-MM-DD), timestamps ISO 8601 UTC, phones E.164.
-- A contact imported from a list or a class file may lack the comune and the phone
-- ("da completare"); the form always asks both.

CREATE TABLE contacts (
    id               INTEGER PRIMARY KEY,      -- the "Id" of the portal's contact list
    case_id          INTEGER NOT NULL REFERENCES cases (id),
    role             TEXT NOT NULL
        CHECK (role IN ('studente', 'docente', 'sostegno', 'educatore', 'personale')),
    class_name       TEXT NOT NULL,
    section          TEXT NOT NULL,
    surname          TEXT NOT NULL,
    name             TEXT NOT NULL,
    codice_fiscale   TEXT NOT NULL CHECK (length(codice_fiscale) = 16),
    birth_date       TEXT NOT NULL,
    comune_code      TEXT,                     -- cadastral code of the comune of residence
    comune_name      TEXT,
    comune_province  TEXT,
    address          TEXT,
    phone            TEXT,
    last_contact     TEXT NOT NULL,            -- date of the last contact with the case
    source           TEXT NOT NULL CHECK (source IN ('form', 'list', 'file')),
    -- bookkeeping
    created_by       INTEGER NOT NULL,         -- telegram user id
    created_at       TEXT NOT NULL,
    updated_by       INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,  -- optimistic concurrency: bumped by every edit
    CHECK ((comune_code IS NULL) = (comune_name IS NULL)
           AND (comune_code IS NULL) = (comune_province IS NULL)),
    -- The same person is never a contact of one case twice (re-sent files add nothing).
    UNIQUE (case_id, codice_fiscale)
);
-- A case's contacts in the order they were added; also the count in the case list.
CREATE INDEX contacts_by_case ON contacts (case_id, id);
