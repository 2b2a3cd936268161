-- Issue 20: signed webhooks. An endpoint belongs to an organization and names the
-- events it wants (`events` is a comma-separated list, with a comma at each end so
-- one LIKE finds a name). Its secret signs every delivery.
CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    include_notes BIGINT NOT NULL DEFAULT 0,
    secret        TEXT NOT NULL,
    enabled       BIGINT NOT NULL DEFAULT 1,
    -- Set when a delivery was given up; cleared by the next one delivered.
    failing_since BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX webhooks_org ON webhooks(org_id);

-- One row per event and endpoint, written in the transaction of the change, so a
-- crash loses none. `id` orders them: an endpoint receives the events of one
-- conversation (`ordering_key`) one at a time, in this order.
CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    ordering_key     TEXT NOT NULL,
    body             TEXT NOT NULL,
    -- pending, delivered or failed (given up)
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         BIGINT NOT NULL DEFAULT 0,
    run_at           BIGINT NOT NULL,
    locked_until     BIGINT,
    response_status  BIGINT,
    response_ms      BIGINT,
    response_excerpt TEXT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    done_at          BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(run_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(webhook_id, ordering_key, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(webhook_id, id);
-- A visitor's erasure drops their deliveries, by conversation and by visitor.
CREATE INDEX webhook_deliveries_key ON webhook_deliveries(ordering_key);
-- The hourly clean-up drops finished deliveries after a week.
CREATE INDEX webhook_deliveries_done ON webhook_deliveries(done_at) WHERE done_at IS NOT NULL;

-- API tokens: act as a member of the organization with a role, named in what they
-- send. Only the token's SHA-256 is stored.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_org ON api_tokens(org_id);
