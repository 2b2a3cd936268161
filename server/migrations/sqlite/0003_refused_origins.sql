-- Origins a website account refused (a page not in allowed_origins tried to load its
-- chat), so the owner sees which and can allow one. At most a few dozen per account
-- (store::directory caps it); count and last_seen_at are folded in by upsert.
CREATE TABLE refused_origins (
    org_id       TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    origin       TEXT NOT NULL,
    count        BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, account_id, origin),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts(org_id, id) ON DELETE CASCADE
);
