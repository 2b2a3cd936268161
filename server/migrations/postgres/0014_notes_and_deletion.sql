-- Issue 18: a deleted message keeps its row and seq (the tombstone) with its text erased.
ALTER TABLE messages ADD COLUMN deleted_at BIGINT;

-- Internal notes: staff only, kept apart from messages so that no visitor path can
-- reach them and the visitor's seq stays gap-free. after_seq: the conversation's last
-- message when the note was written, where the inbox shows it.
CREATE TABLE notes (
    id            TEXT PRIMARY KEY,
    conv_id       TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    after_seq     BIGINT NOT NULL,
    author_id     TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    text          TEXT NOT NULL,
    client_msg_id TEXT NOT NULL,
    mentions      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CONSTRAINT notes_conv_client_msg UNIQUE (conv_id, client_msg_id)
);
CREATE INDEX notes_conv ON notes(conv_id, created_at, id);
