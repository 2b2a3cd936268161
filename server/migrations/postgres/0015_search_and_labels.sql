-- Issue 18: full-text search. Stored generated tsvector columns with an explicit
-- configuration ('simple': no language's stemming, as chats come in any language),
-- kept in step with every write by the database itself, and GIN indexes.
-- natter_fold lower-cases, drops the diacritics of Latin letters (as SQLite's
-- remove_diacritics does, with no extension to install) and splits addresses at
-- @ . / : - _ as SQLite's tokenizer does, so "cafe" finds "café" and "vera" finds
-- vera@mail.example. Queries go through the same function.
CREATE FUNCTION natter_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN translate(lower(t), '@./:-_àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕẖẗẘẙạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ', '      aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooyabbbcdddddeeeeefghhhhhiikkkllllmmmnnnnoooopprrrrsssssttttuuuuuvvwwwwwxxyzzzhtwyaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuuuuyyyy');
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, natter_fold(text))) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);
ALTER TABLE visitors ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig,
        natter_fold(name || ' ' || COALESCE(email, '')))) STORED;
CREATE INDEX visitors_search ON visitors USING GIN (search);

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
