-- A codice fiscale that does not match the case's surname or name, confirmed by the referent
-- (foreign names, omocodia): kept so the ATS sees the flag in the case file (issue #22).
ALTER TABLE cases ADD COLUMN cf_mismatch_confirmed INTEGER NOT NULL DEFAULT 0;

-- Contacts numbered within their case ("Contatto 1" is the first of each case, not the 26th
-- of the database); the id stays the key (buttons carry it). Existing contacts are numbered
-- in the order they were added.
ALTER TABLE contacts ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE contacts SET number = (
    SELECT COUNT(*) FROM contacts AS earlier
    WHERE earlier.case_id = contacts.case_id AND earlier.id <= contacts.id
);
