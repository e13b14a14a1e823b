-- /inviti lists the invitations not used yet and not expired (issue 15): an index of the
-- unused ones by expiry, so the list never reads the whole table, which grows with every
-- invitation ever made. A cancelled invitation is one whose expiry was moved to its
-- cancellation (storage/registry.py, InvitationsRepository.cancel): no new column.
CREATE INDEX invitations_outstanding ON invitations (expires_at) WHERE used_at IS NULL;
