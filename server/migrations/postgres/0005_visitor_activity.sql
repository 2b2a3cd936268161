-- When a visitor's token was last used (to the day): tokens unused for long stop
-- working, and leads that never wrote anything are deleted after a while.
ALTER TABLE visitors ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE visitors SET last_seen_at = created_at;
CREATE INDEX visitors_last_seen ON visitors(last_seen_at);
