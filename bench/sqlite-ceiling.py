#!/usr/bin/env python3
"""What SQLite itself can commit on this machine, for the write path's analysis in
BENCHMARKS.md: the same two statements Natter runs per message (UPDATE conversations
... RETURNING, INSERT INTO messages ... RETURNING), on Natter's schema, from one
thread, with one commit per message and with group commits of 16 and 256.

    python3 bench/sqlite-ceiling.py /tmp/natter.db

The database must be a Natter SQLite database with conversations (for instance one a
`natter-bench run --ingest` wrote into, after its server stopped). It appends messages.
"""
import sqlite3
import sys
import time
import uuid

con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA foreign_keys=ON")
convs = [r[0] for r in con.execute("SELECT id FROM conversations")]
if not convs:
    sys.exit("no conversations in this database")


def run(sync, batch, n):
    con.execute(f"PRAGMA synchronous={sync}")
    start = time.perf_counter()
    i = 0
    while i < n:
        con.execute("BEGIN IMMEDIATE")
        for _ in range(batch):
            conv = convs[i % len(convs)]
            seq, _status = con.execute(
                "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = ? "
                "WHERE id = ? RETURNING last_seq, status",
                (i, conv),
            ).fetchone()
            con.execute(
                "INSERT INTO messages (id, conv_id, seq, direction, sender_kind, sender_id, "
                "sender_name, text, client_msg_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (conv_id, client_msg_id) DO NOTHING RETURNING id",
                (str(uuid.uuid4()), conv, seq, "in", "visitor", "v", "Bench",
                 f"bench message {i}", f"c-{uuid.uuid4().hex[:12]}", i),
            ).fetchone()
            i += 1
        con.execute("COMMIT")
    rate = n / (time.perf_counter() - start)
    print(f"synchronous={sync:6} commit every {batch:3} message(s): {rate:7.0f} messages/s")


for sync in ("NORMAL", "FULL"):
    for batch in (1, 16, 256):
        run(sync, batch, 3000 if batch == 1 else 6000)
