-- Issue 16: the widget's launcher side, the message shown when nobody answers, and
-- verified visitor identity per website account.
ALTER TABLE accounts ADD COLUMN position TEXT NOT NULL DEFAULT 'right';
ALTER TABLE accounts ADD COLUMN away_message TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN require_identity BIGINT NOT NULL DEFAULT 0;
-- The HMAC key a website's own server signs its user ids with; NULL until made.
ALTER TABLE accounts ADD COLUMN identity_secret TEXT;

-- A verified visitor is one contact per (website, the site's own user id), whatever
-- the browser or device.
ALTER TABLE visitors ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX visitors_external ON visitors(org_id, account_id, external_id)
    WHERE external_id IS NOT NULL;

-- A verified contact signs in from several browsers, each with its own token; only
-- the token's SHA-256 is stored, as for a visitor's first token.
CREATE TABLE visitor_tokens (
    token_hash  TEXT PRIMARY KEY,
    visitor_id  TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX visitor_tokens_visitor ON visitor_tokens(visitor_id);

-- A returning contact's conversations, most recent first, from one index range.
DROP INDEX conversations_visitor;
CREATE INDEX conversations_visitor ON conversations(visitor_id, last_activity_at, id);

-- When a member's inbox was last open (written as it connects, every few minutes
-- while open, and as it closes), for the team page.
ALTER TABLE staff ADD COLUMN last_seen_at BIGINT;
