-- Absence surveillance: enrolment figures, absence figures, school closures set by the ATS.
-- Dates are ISO 8601 text ('2026-11-17'), so they compare and sort as text.

-- Pupils aged 6-19 and classes of a plesso. Never updated in place: a new figure is a new
-- row, in force from `valid_from` until the next one (the history gives past rates).
CREATE TABLE enrolments (
    id           INTEGER PRIMARY KEY,
    plesso_code  TEXT NOT NULL REFERENCES plessi (code),
    pupils       INTEGER NOT NULL CHECK (pupils >= 1),
    classes      INTEGER NOT NULL CHECK (classes >= 1 AND classes <= pupils),
    valid_from   TEXT NOT NULL,
    school_year  INTEGER NOT NULL,             -- 2026 for 2026/27
    recorded_by  INTEGER NOT NULL,
    recorded_at  TEXT NOT NULL
);
-- "enrolment in force for P on D", "has P a figure for school year Y"
CREATE INDEX enrolments_by_plesso ON enrolments (plesso_code, valid_from, id);
CREATE INDEX enrolments_by_year ON enrolments (plesso_code, school_year);

-- One figure per plesso and recording day; a correction within the window updates it
-- (the audit log keeps the old value).
CREATE TABLE absences (
    plesso_code  TEXT NOT NULL REFERENCES plessi (code),
    day          TEXT NOT NULL,
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- Monday = 0
    absent       INTEGER NOT NULL CHECK (absent >= 0),
    ill          INTEGER CHECK (ill IS NULL OR (ill >= 0 AND ill <= absent)),
    recorded_by  INTEGER NOT NULL,
    recorded_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (plesso_code, day)
);
-- "last N recordings of plesso P on weekday W"; the primary key serves "last N of P"
CREATE INDEX absences_by_weekday ON absences (plesso_code, weekday, day);
-- "which sentinel plessi have no figure for day D"
CREATE INDEX absences_by_day ON absences (day, plesso_code);

-- School closures: no recording is expected, no reminder sent. plesso_code NULL = whole ATS.
-- Removing one sets deleted_at (and writes an audit row): the reports of the past stay
-- explainable.
CREATE TABLE closures (
    id           INTEGER PRIMARY KEY,
    ats_code     TEXT NOT NULL,
    plesso_code  TEXT REFERENCES plessi (code),
    start_day    TEXT NOT NULL,
    end_day      TEXT NOT NULL CHECK (end_day >= start_day),
    note         TEXT NOT NULL DEFAULT '',
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    deleted_at   TEXT,
    deleted_by   INTEGER
);
-- "closures of ATS A" (the calendar, the listing, the missing plessi of day D)
CREATE INDEX closures_by_ats ON closures (ats_code, deleted_at, end_day);
