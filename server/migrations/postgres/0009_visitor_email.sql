-- Issue 17: unseen staff replies emailed to the visitor, grouped, with a one-time link
-- back to the conversation.

-- A job's key: one not-yet-attempted job per key. A job already running does not
-- block the next one, so a reply committed while an email is being sent gets its own.
ALTER TABLE jobs ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX jobs_pending_key ON jobs(dedupe_key) WHERE attempts = 0;

-- The last seq an email told the visitor about: the next email starts after it.
ALTER TABLE conversations ADD COLUMN visitor_emailed_seq BIGINT NOT NULL DEFAULT 0;
-- Set by the unsubscribe link in every email: no more emails to this visitor.
ALTER TABLE visitors ADD COLUMN email_opt_out BIGINT NOT NULL DEFAULT 0;

-- Codes in emails (only their SHA-256 is stored): `open` is used once, exchanged for a
-- fresh visitor token on /c/{code}; `unsubscribe` works until it expires.
CREATE TABLE visitor_links (
    code_hash   TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('open', 'unsubscribe')),
    visitor_id  TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    conv_id     TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX visitor_links_visitor ON visitor_links(visitor_id);
CREATE INDEX visitor_links_conv ON visitor_links(conv_id);
CREATE INDEX visitor_links_expiry ON visitor_links(expires_at);
