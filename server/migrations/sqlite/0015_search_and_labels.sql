-- Issue 18: full-text search. FTS5 tables kept in step with writes by triggers; each
-- index row carries what it indexes (conv_id and seq, visitor_id), so a result never
-- depends on rowids alone. Diacritics are folded: "cafe" finds "café", "da" finds "đã".
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, conv_id UNINDEXED, seq UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (rowid, text, conv_id, seq)
    SELECT rowid, text, conv_id, seq FROM messages WHERE deleted_at IS NULL;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text, conv_id, seq)
        VALUES (new.rowid, new.text, new.conv_id, new.seq);
END;
-- A deleted message's text leaves the index with it.
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.rowid;
    INSERT INTO messages_fts (rowid, text, conv_id, seq)
        SELECT new.rowid, new.text, new.conv_id, new.seq WHERE new.deleted_at IS NULL;
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.rowid;
END;

CREATE VIRTUAL TABLE visitors_fts USING fts5(
    name, email, visitor_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO visitors_fts (rowid, name, email, visitor_id)
    SELECT rowid, name, COALESCE(email, ''), id FROM visitors;
CREATE TRIGGER visitors_fts_insert AFTER INSERT ON visitors BEGIN
    INSERT INTO visitors_fts (rowid, name, email, visitor_id)
        VALUES (new.rowid, new.name, COALESCE(new.email, ''), new.id);
END;
CREATE TRIGGER visitors_fts_update AFTER UPDATE OF name, email ON visitors BEGIN
    DELETE FROM visitors_fts WHERE rowid = old.rowid;
    INSERT INTO visitors_fts (rowid, name, email, visitor_id)
        VALUES (new.rowid, new.name, COALESCE(new.email, ''), new.id);
END;
CREATE TRIGGER visitors_fts_delete AFTER DELETE ON visitors BEGIN
    DELETE FROM visitors_fts WHERE rowid = old.rowid;
END;

-- Labels: an organization's, each with a colour; a conversation carries any of them.
CREATE TABLE labels (
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    color      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);
CREATE TABLE conversation_labels (
    conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label   TEXT NOT NULL,
    PRIMARY KEY (conv_id, label)
);
CREATE INDEX conversation_labels_label ON conversation_labels(label, conv_id);

-- Retention: conversations inactive for this many days are deleted (NULL: kept).
ALTER TABLE organizations ADD COLUMN retention_days BIGINT;

-- Auto-assignment: a website's new conversations go in turn to the members online,
-- the one assigned least recently first.
ALTER TABLE accounts ADD COLUMN auto_assign BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN last_auto_assigned_at BIGINT;
