-- Indexes for the queries of the isolations (issue 19) and of the reminders' «Ricorda ora»
-- that had none (issue 9: every query of a big table is backed by an index;
-- tests/unit/test_query_plans.py checks the plans of all of them).

-- An ATS's register of isolations (/isolamenti of an ATS admin), in the order it is shown.
CREATE INDEX citizens_by_ats ON citizens (ats_code, surname, name, id);
-- The region's register (a regional admin, the diary reminders' round): every isolation is
-- in the answer; walked in name order, with no sort (an allowed scan of the test).
CREATE INDEX citizens_by_name ON citizens (surname, name, id);
-- "Is this codice fiscale in an open isolation?" in any ATS (the school pass, the referrals).
CREATE INDEX citizens_open_by_cf ON citizens (codice_fiscale) WHERE closed_at IS NULL;
-- Retention: the isolations closed before the cutoff, without reading the open ones.
CREATE INDEX citizens_closed ON citizens (closed_at) WHERE closed_at IS NOT NULL;

-- The red-flag alerts still to push: only those are in it, a handful at any time.
CREATE INDEX citizen_alerts_unpushed ON citizen_alerts (pushed_at, handled_at)
    WHERE pushed_at IS NULL AND handled_at IS NULL;

-- «Ricorda ora» skips the referents reminded in the last hour: the sent reminders by time
-- (the claimed ones have reminder_log_claimed).
CREATE INDEX reminder_log_by_state ON reminder_log (state, done_at);
