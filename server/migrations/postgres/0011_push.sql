-- Issue 17: browser push to staff. Each browser that enabled notifications is one
-- subscription of the member signed in there (a browser's endpoint is unique: the
-- latest member to subscribe from it owns it); a member who leaves takes theirs along.
CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL,
    staff_id   TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_org ON push_subscriptions(org_id);
CREATE INDEX push_subscriptions_staff ON push_subscriptions(staff_id);

-- Each member chooses whether visitor messages nobody is looking at reach their browsers.
ALTER TABLE staff ADD COLUMN push_enabled BIGINT NOT NULL DEFAULT 1;

-- Keys the server makes once and every instance shares (the VAPID key pair).
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
