-- The inbox list without a status filter (the newest activity first, keyset by
-- (last_activity_at, id)) walks this index backwards; with a status it walks
-- conversations_inbox. Kept in step between migrations/sqlite and migrations/postgres.
CREATE INDEX conversations_recent ON conversations(org_id, last_activity_at, id);
