-- Pupils and staff sent home with symptoms, "allontanamenti" (issue 17). Timestamps ISO 8601
-- UTC; days ISO dates. The report's fields are one JSON document (`data`, domain.senthome's
-- SentHomeData); what queries need is in columns of its own.
CREATE TABLE sent_home (
    id              INTEGER PRIMARY KEY,
    plesso_code     TEXT NOT NULL,
    class_key       TEXT NOT NULL,             -- class + section folded (the cluster rule)
    codice_fiscale  TEXT NOT NULL,             -- the 48-hour duplicate
    sent_day        TEXT NOT NULL,             -- the day they were sent home (local)
    data            TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    receipt_code    TEXT NOT NULL UNIQUE,
    created_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    last_sent_at    TEXT NOT NULL,             -- the report, or the latest re-report of the person
    kept_from       TEXT NOT NULL,             -- retention counts from here: the final outcome,
                                               -- else the last sending
    updated_at      TEXT NOT NULL,
    outcome         TEXT CHECK (outcome IN ('back_certified', 'back_not_covid', 'positive', 'absent')),
    outcome_at      TEXT,
    case_id         INTEGER REFERENCES cases (id) ON DELETE SET NULL
);
CREATE INDEX sent_home_by_person ON sent_home (plesso_code, codice_fiscale, last_sent_at);
CREATE INDEX sent_home_by_class ON sent_home (plesso_code, class_key, sent_day);
CREATE INDEX sent_home_by_day ON sent_home (sent_day DESC, id DESC);
CREATE INDEX sent_home_by_retention ON sent_home (kept_from);
-- /stato: the reports still waiting for an outcome, per plesso.
CREATE INDEX sent_home_open ON sent_home (plesso_code) WHERE outcome IS NULL OR outcome = 'absent';

-- Every earlier version of a report: a correction or a re-report keeps what it replaced.
CREATE TABLE sent_home_versions (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES sent_home (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    data         TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('correction', 'resent')),
    replaced_at  TEXT NOT NULL,
    replaced_by  INTEGER NOT NULL,
    UNIQUE (report_id, version)
);

-- Clusters: reports of one class within a few school days, alerted once each.
CREATE TABLE sent_home_clusters (
    id           INTEGER PRIMARY KEY,
    plesso_code  TEXT NOT NULL,
    class_key    TEXT NOT NULL,
    first_day    TEXT NOT NULL,
    last_day     TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX sent_home_clusters_by_class ON sent_home_clusters (plesso_code, class_key, last_day);

-- The ATS's messages (a new report, a re-report, a cluster): an outbox like ats_outbox
-- (migration 007), written in the transaction of the report.
CREATE TABLE sent_home_outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('new', 'resent', 'cluster')),
    -- Ids only, no foreign keys: retention deletes a report's rows with it (storage/retention.py)
    -- and the delivery skips a row whose report is gone.
    report_id        INTEGER,
    cluster_id       INTEGER,
    admin_user_id    INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed', 'unreachable')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX sent_home_outbox_due ON sent_home_outbox (status, next_attempt_at);
CREATE INDEX sent_home_outbox_by_report ON sent_home_outbox (report_id);
CREATE INDEX sent_home_outbox_by_cluster ON sent_home_outbox (cluster_id);

-- The daily outcome question: one per referent and day, whatever restarts happen.
CREATE TABLE sent_home_asked (
    user_id  INTEGER NOT NULL,
    day      TEXT NOT NULL,
    sent_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- Locked means locked (like a closed case, migration 007): the report's fields change only
-- within 24 hours of its last sending, by a later write, on the same plesso; a re-report of
-- the person (a new last_sent_at) only within 48 hours. Outcome and case link stay writable.
CREATE TRIGGER sent_home_locked BEFORE UPDATE OF plesso_code, class_key, codice_fiscale, sent_day, data
ON sent_home
WHEN NOT EXISTS (SELECT 1 FROM retention_guard) AND (
    NEW.plesso_code <> OLD.plesso_code
    OR julianday(NEW.updated_at) < julianday(OLD.updated_at)
    OR (NEW.last_sent_at = OLD.last_sent_at
        AND julianday(NEW.updated_at) > julianday(OLD.last_sent_at) + 1)
    OR (NEW.last_sent_at <> OLD.last_sent_at
        AND julianday(NEW.last_sent_at) > julianday(OLD.last_sent_at) + 2)
)
BEGIN
    SELECT RAISE(ABORT, 'sent-home report locked');
END;

CREATE TRIGGER sent_home_no_delete BEFORE DELETE ON sent_home
WHEN NOT EXISTS (SELECT 1 FROM retention_guard)
BEGIN
    SELECT RAISE(ABORT, 'sent-home report locked');
END;

CREATE TRIGGER sent_home_versions_no_update BEFORE UPDATE ON sent_home_versions
BEGIN
    SELECT RAISE(ABORT, 'sent-home version immutable');
END;

CREATE TRIGGER sent_home_versions_no_delete BEFORE DELETE ON sent_home_versions
WHEN NOT EXISTS (SELECT 1 FROM retention_guard)
BEGIN
    SELECT RAISE(ABORT, 'sent-home version immutable');
END;

-- «Positivo → apri il caso»: the case the referent then saves for the same person and plesso
-- is linked to the report, whichever way the case form was reached.
CREATE TRIGGER sent_home_link_case AFTER INSERT ON cases
BEGIN
    UPDATE sent_home SET case_id = NEW.id
    WHERE case_id IS NULL AND outcome = 'positive'
        AND plesso_code = NEW.plesso_code AND codice_fiscale = NEW.codice_fiscale;
END;
