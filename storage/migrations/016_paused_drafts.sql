-- Drafts set aside (issue 22): a command in the middle of a form keeps the draft instead of
-- deleting it. A paused conversation keeps its step and answers; the bot does not read the
-- user's messages as its answers until they choose «Riprendi». NULL: the flow is in progress.
-- Timestamp ISO 8601 UTC.
ALTER TABLE conversations ADD COLUMN paused_at TEXT;
