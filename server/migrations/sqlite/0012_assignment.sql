-- Issue 18: the inbox's views by assignee (mine, unassigned, someone's), with or
-- without a status, are each one index range, latest activity first.
CREATE INDEX conversations_assignee ON conversations(org_id, assignee_id, last_activity_at, id);
CREATE INDEX conversations_assignee_status ON conversations(org_id, assignee_id, status, last_activity_at, id);

-- A member may choose an email when someone assigns them a conversation (off by default).
ALTER TABLE staff ADD COLUMN email_assignment BIGINT NOT NULL DEFAULT 0;
