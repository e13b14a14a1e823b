-- Updates already handled, so one delivered twice (a webhook retried after a crash, a poll
-- whose offset was never confirmed) is handled once, across restarts too. Telegram keeps an
-- unconfirmed update for 24 hours: older ids are pruned. Ids only: no content.
CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);
CREATE INDEX processed_updates_by_time ON processed_updates (processed_at);
