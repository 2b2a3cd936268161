-- Issue 19: files sent with messages. A row is made at upload (message_id NULL) and
-- claimed by the one message that names it. The bytes live in the file store under
-- storage_key (and thumbnail_key); deleting a row, however it happens (the message,
-- the visitor, the conversation, the website), queues its files for deletion through
-- the trigger below, so no path can leave a file behind.
CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    conv_id       TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    uploader_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    width         INTEGER,
    height        INTEGER,
    sha256        TEXT NOT NULL,
    storage_key   TEXT NOT NULL,
    thumbnail_key TEXT,
    message_id    TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX attachments_conv ON attachments(conv_id);
CREATE INDEX attachments_message ON attachments(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_unsent ON attachments(created_at) WHERE message_id IS NULL;
-- An upload retried (same bytes, name, uploader and conversation, not sent yet) is
-- the same attachment.
CREATE UNIQUE INDEX attachments_retry ON attachments(conv_id, uploader_id, sha256, name)
    WHERE message_id IS NULL;

-- What a message carries, as the protocol shows it (JSON; NULL: nothing).
ALTER TABLE messages ADD COLUMN attachments TEXT;

-- Files whose rows are gone, deleted from the file store by the clean-up.
CREATE TABLE file_deletions (
    storage_key TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);
CREATE INDEX file_deletions_queue ON file_deletions(created_at);

CREATE FUNCTION attachments_deleted() RETURNS trigger AS $$
BEGIN
    INSERT INTO file_deletions (storage_key, created_at)
        VALUES (OLD.storage_key, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT)
        ON CONFLICT DO NOTHING;
    IF OLD.thumbnail_key IS NOT NULL AND OLD.thumbnail_key <> '' THEN
        INSERT INTO file_deletions (storage_key, created_at)
            VALUES (OLD.thumbnail_key, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT)
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER attachments_deleted AFTER DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_deleted();
