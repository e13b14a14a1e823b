-- Indexes for the queries the flows run that had none (issue 9: every query of a big table
-- is backed by an index; tests/unit/test_query_plans.py checks the plans of all of them).

-- Open cases by creation time: the case reminders (24 and 72 hours after) and /stato's
-- "open for more than 48 hours". Only open cases are in it: a few dozen at any time,
-- against tens of thousands of closed ones that the queries would otherwise read through.
CREATE INDEX cases_open ON cases (created_at) WHERE status = 'open';
-- ... and those of the plessi of one ATS (/stato of an ATS admin).
CREATE INDEX cases_open_by_plesso ON cases (plesso_code, created_at) WHERE status = 'open';

-- The steps of a user's flows: forgotten at once when their access is revoked (bot/access).
CREATE INDEX conversations_by_user ON conversations (user_id);

-- Closed cases by plesso and closing time: the admins' /casi of an ATS (its total, the
-- page's ids, a span of days) and /stato's "closed this week", from the index alone,
-- instead of reading every case of the ATS's plessi to keep the closed ones.
CREATE INDEX cases_closed_by_plesso ON cases (plesso_code, closed_at) WHERE status = 'closed';
