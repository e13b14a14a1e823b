-- Retention (issue 8): the daily deletion of closed cases finds their case reminders
-- (reminder_log rows of kind case_24h / case_72h, `ref` = the case id) by index.
CREATE INDEX reminder_log_by_ref ON reminder_log (kind, ref);
