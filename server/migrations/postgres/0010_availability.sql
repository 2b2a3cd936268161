-- Issue 17: when a team answers. A staff member may set themselves away (their open
-- inbox then does not count as online); a website may have weekly business hours
-- (JSON, `natter_protocol::BusinessHours`; NULL: always) and hide its launcher outside them.
ALTER TABLE staff ADD COLUMN away BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN business_hours TEXT;
ALTER TABLE accounts ADD COLUMN hide_when_closed BIGINT NOT NULL DEFAULT 0;

-- Emails that failed, for the organization's admins to see: each job knows its
-- organization; the failed ones (retrying or given up) are listed newest first.
ALTER TABLE jobs ADD COLUMN org_id TEXT;
CREATE INDEX jobs_failed ON jobs(org_id, created_at) WHERE last_error IS NOT NULL;

-- Each member chooses which alerts reach them by email: a new conversation nobody
-- answered, and a visitor's message in a conversation nobody answered since.
ALTER TABLE staff ADD COLUMN email_new_conversation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE staff ADD COLUMN email_unanswered BIGINT NOT NULL DEFAULT 1;
