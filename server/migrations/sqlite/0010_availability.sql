-- Issue 17: when a team answers. A staff member may set themselves away (their open
-- inbox then does not count as online); a website may have weekly business hours
-- (JSON, `natter_protocol::BusinessHours`; NULL: always) and hide its launcher outside them.
ALTER TABLE staff ADD COLUMN away BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN business_hours TEXT;
ALTER TABLE accounts ADD COLUMN hide_when_closed BIGINT NOT NULL DEFAULT 0;
