-- Schools, referents, invitations, the audit trail and the conversation drafts.

CREATE TABLE plessi (
    code          TEXT PRIMARY KEY,            -- codice meccanografico
    name          TEXT NOT NULL,
    comune_code   TEXT NOT NULL,               -- cadastral code, e.g. F205
    comune_name   TEXT NOT NULL,
    province      TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    school_type   TEXT NOT NULL,
    sentinel      INTEGER NOT NULL CHECK (sentinel IN (0, 1)),
    ats_code      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX plessi_by_ats ON plessi (ats_code, sentinel);

CREATE TABLE referents (
    id                INTEGER PRIMARY KEY,
    telegram_user_id  INTEGER NOT NULL UNIQUE,
    full_name         TEXT NOT NULL,
    phone             TEXT NOT NULL,
    email             TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- A referent's access to a plesso; revoking keeps the row (revoked_at) for the record.
CREATE TABLE referent_plessi (
    referent_id   INTEGER NOT NULL REFERENCES referents (id),
    plesso_code   TEXT NOT NULL REFERENCES plessi (code),
    granted_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT,
    PRIMARY KEY (referent_id, plesso_code)
);
CREATE INDEX referent_plessi_by_plesso ON referent_plessi (plesso_code, revoked_at);

CREATE TABLE invitations (
    id           INTEGER PRIMARY KEY,
    code_hash    TEXT NOT NULL UNIQUE,         -- sha256 of the code; the code itself is never stored
    plesso_code  TEXT NOT NULL REFERENCES plessi (code),
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    used_by      INTEGER
);
CREATE INDEX invitations_by_plesso ON invitations (plesso_code);

-- Wrong invitation codes, for the lock-out.
CREATE TABLE invitation_failures (
    telegram_user_id  INTEGER NOT NULL,
    failed_at         TEXT NOT NULL
);
CREATE INDEX invitation_failures_by_user ON invitation_failures (telegram_user_id, failed_at);

-- Who changed what, when; written in the same transaction as the change.
-- `details` never holds personal data: ids, codes and counts only.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,                 -- 'tg:<user id>' or 'system'
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_by_actor ON audit_log (actor, id);

-- The step each user is at in each flow, and the answers given so far.
CREATE TABLE conversations (
    flow        TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    state       INTEGER,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (flow, chat_id, user_id)
);
