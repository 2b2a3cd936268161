-- Invitations to join an organization's team (issue 16): only the SHA-256 of the
-- one-time code is stored; accepting deletes the row, so a code works once.
CREATE TABLE invitations (
    code_hash   TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX invitations_org ON invitations(org_id);
