-- Swab booking (issue 20): the ATS's swab points and their slots, the bookings of the
-- recovery swab (citizens in isolation), the results, and the school passes for direct
-- access. Timestamps ISO 8601 UTC, days ISO dates, slot starts local "YYYY-MM-DDTHH:MM".
CREATE TABLE swab_points (
    id          INTEGER PRIMARY KEY,
    ats_code    TEXT NOT NULL,
    code        TEXT NOT NULL,                 -- the ATS's own short name of the point
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    comune      TEXT NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    UNIQUE (ats_code, code)
);

-- One slot of a point: `booked` never exceeds `places` (the CHECK is the last guard; the
-- booking is a conditional UPDATE ... WHERE booked < places, so two people tapping the last
-- place at once get one booking and one refusal).
CREATE TABLE swab_slots (
    id          INTEGER PRIMARY KEY,
    point_id    INTEGER NOT NULL REFERENCES swab_points (id) ON DELETE CASCADE,
    starts_at   TEXT NOT NULL,                 -- local time, "YYYY-MM-DDTHH:MM"
    minutes     INTEGER NOT NULL CHECK (minutes > 0),
    places      INTEGER NOT NULL CHECK (places >= 0),
    booked      INTEGER NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL CHECK (kind IN ('prenotati', 'accesso_diretto')),
    closed_at   TEXT,                          -- the ATS closed the day
    UNIQUE (point_id, starts_at, kind),
    CHECK (booked >= 0 AND booked <= places)
);
CREATE INDEX swab_slots_by_start ON swab_slots (starts_at);

-- Patients referred by their doctor for the diagnostic swab: a sign-in link like the positive
-- cases' (only its hash kept), valid 72 hours; the link books this swab for this person only.
CREATE TABLE swab_referrals (
    id               INTEGER PRIMARY KEY,
    ats_code         TEXT NOT NULL,
    codice_fiscale   TEXT NOT NULL,
    surname          TEXT NOT NULL,
    name             TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    phone            TEXT NOT NULL,
    doctor           TEXT NOT NULL,
    referred_at      TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    token_hash       TEXT UNIQUE,
    token_used_at    TEXT,
    telegram_user_id INTEGER,                      -- the chat that signed in
    citizen_id       INTEGER REFERENCES citizens (id) ON DELETE SET NULL,  -- once positive
    created_by       INTEGER NOT NULL
);
CREATE INDEX swab_referrals_by_user ON swab_referrals (telegram_user_id);

CREATE TABLE swab_bookings (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,          -- shown to the citizen and at the point
    citizen_id   INTEGER REFERENCES citizens (id) ON DELETE CASCADE,  -- a recovery swab
    referral_id  INTEGER REFERENCES swab_referrals (id) ON DELETE CASCADE,  -- a diagnostic one
    slot_id      INTEGER NOT NULL REFERENCES swab_slots (id),
    booked_by    INTEGER NOT NULL,              -- the chat that booked
    booked_at    TEXT NOT NULL,
    cancelled_at TEXT,
    cancel_reason TEXT,                         -- 'citizen', 'moved', 'day_closed'
    result       TEXT CHECK (result IN ('negativo', 'positivo')),
    result_day   TEXT,
    result_at    TEXT,
    result_by    INTEGER,
    CHECK ((citizen_id IS NULL) <> (referral_id IS NULL))
);
-- One active booking per person.
CREATE UNIQUE INDEX swab_bookings_active ON swab_bookings (citizen_id)
    WHERE cancelled_at IS NULL AND result IS NULL;
CREATE UNIQUE INDEX swab_bookings_active_referral ON swab_bookings (referral_id)
    WHERE cancelled_at IS NULL AND result IS NULL;
CREATE INDEX swab_bookings_by_slot ON swab_bookings (slot_id);

-- The school pass for direct access: tied to a codice fiscale, single use, 48 hours.
CREATE TABLE swab_passes (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    ats_code        TEXT NOT NULL,
    plesso_code     TEXT NOT NULL,
    codice_fiscale  TEXT NOT NULL,
    issued_at       TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT,
    used_by         INTEGER
);

-- The swab reminders sent (the evening before, 2 hours before, a referral's nudge): one of
-- each kind per booking or referral, claimed before sending so never twice.
CREATE TABLE swab_reminders (
    kind       TEXT NOT NULL CHECK (kind IN ('evening', 'soon', 'referral_nudge')),
    target_id  INTEGER NOT NULL,                -- a booking, or a referral for the nudge
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (kind, target_id)
);

-- Swab-point staff, invited by their ATS (a link like the referents' invitations): they
-- check school passes with /verifica. Only the invitation code's hash is kept.
CREATE TABLE swab_staff (
    telegram_user_id  INTEGER PRIMARY KEY,
    ats_code          TEXT NOT NULL,
    invited_by        INTEGER NOT NULL,
    joined_at         TEXT NOT NULL
);
CREATE TABLE swab_staff_invitations (
    code_hash   TEXT PRIMARY KEY,
    ats_code    TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

-- The lookups of the booking, the reminders and the desk (tests/unit/test_query_plans.py).
CREATE INDEX swab_bookings_by_citizen ON swab_bookings (citizen_id);
CREATE INDEX swab_bookings_by_referral ON swab_bookings (referral_id);
CREATE INDEX swab_referrals_by_time ON swab_referrals (referred_at);
CREATE INDEX swab_passes_by_time ON swab_passes (issued_at);
