-- Issue 18: replies staff insert by typing `/` and a shortcut, shared by the organization.
CREATE TABLE canned_responses (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    shortcut   TEXT NOT NULL,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, shortcut)
);
