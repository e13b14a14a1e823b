-- A codice fiscale that does not match the case's surname or name, confirmed by the referent
-- (foreign names, omocodia): kept so the ATS sees the flag in the case file (issue #22).
ALTER TABLE cases ADD COLUMN cf_mismatch_confirmed INTEGER NOT NULL DEFAULT 0;
