-- Swab retention (issue 20): what the daily run looks up by the moment it ended
-- (tests/unit/test_query_plans.py: no whole-table reads).
CREATE INDEX swab_referrals_by_citizen ON swab_referrals (citizen_id) WHERE citizen_id IS NOT NULL;
CREATE INDEX swab_referrals_by_expiry ON swab_referrals (expires_at) WHERE citizen_id IS NULL;
CREATE INDEX swab_bookings_by_result ON swab_bookings (result_at) WHERE result_at IS NOT NULL;
CREATE INDEX swab_bookings_by_cancel ON swab_bookings (cancelled_at) WHERE cancelled_at IS NOT NULL;
CREATE INDEX swab_passes_by_end ON swab_passes (COALESCE(used_at, expires_at));
CREATE INDEX swab_staff_invitations_by_end ON swab_staff_invitations (COALESCE(used_at, expires_at));
