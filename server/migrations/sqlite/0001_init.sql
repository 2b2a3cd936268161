-- Natter's schema. Times are milliseconds since the Unix epoch (BIGINT), ids are TEXT.
-- Kept in step with migrations/postgres: the store's SQL runs unchanged on both.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- A website account is the widget's channel. allowed_origins: one pattern per line.
CREATE TABLE accounts (
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    greeting        TEXT NOT NULL,
    theme_color     TEXT NOT NULL,
    allowed_origins TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE staff_sessions (
    token_hash  TEXT PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id);

CREATE TABLE visitors (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    page_url    TEXT,
    user_agent  TEXT,
    created_at  BIGINT NOT NULL,
    FOREIGN KEY (org_id, account_id) REFERENCES accounts(org_id, id) ON DELETE CASCADE
);

-- last_seq is the allocator for messages.seq: incremented in the same transaction
-- that inserts the message, so seq is gap-free and unique under concurrency.
CREATE TABLE conversations (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    visitor_id       TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    assignee_id      TEXT REFERENCES staff(id) ON DELETE SET NULL,
    last_seq         BIGINT NOT NULL DEFAULT 0,
    visitor_read_seq BIGINT NOT NULL DEFAULT 0,
    staff_read_seq   BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    FOREIGN KEY (org_id, account_id) REFERENCES accounts(org_id, id) ON DELETE CASCADE
);
CREATE INDEX conversations_inbox ON conversations(org_id, status, last_activity_at, id);
CREATE INDEX conversations_visitor ON conversations(visitor_id);

CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    conv_id       TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq           BIGINT NOT NULL,
    direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    sender_kind   TEXT NOT NULL CHECK (sender_kind IN ('visitor', 'staff', 'system')),
    sender_id     TEXT NOT NULL,
    sender_name   TEXT NOT NULL,
    text          TEXT NOT NULL,
    client_msg_id TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CONSTRAINT messages_conv_seq UNIQUE (conv_id, seq),
    CONSTRAINT messages_conv_client_msg UNIQUE (conv_id, client_msg_id)
);
