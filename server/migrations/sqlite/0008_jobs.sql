-- Durable jobs (issue 17): emails, written in the transaction of the change that causes
-- them, so a crash loses none. A worker claims due jobs with a lease (`locked_until`),
-- counts the attempt before it runs and records the result after; one instance takes a
-- job at a time because the claim re-checks the lease on the row it updates.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_error   TEXT,
    done_at      BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at) WHERE done_at IS NULL;
