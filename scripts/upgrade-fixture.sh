#!/usr/bin/env bash
# Makes the upgrade fixture of a release: a SQLite database created and used by that
# release's `natter` binary (an organization, a website, an owner, conversations with
# visitor messages and staff replies, one resolved). Run it with the release's binary
# before a release changes the schema; commit the file. CI opens every fixture with the
# new binary and runs the API suite on it (scripts/test.sh).
#   scripts/upgrade-fixture.sh path/to/natter 0.1.0
set -euo pipefail
bin=$(realpath "$1"); version="$2"
cd "$(dirname "$0")/.."
out="server/tests/fixtures/natter-$version.db"
work=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
db="sqlite://$work/natter.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$bin" admin --database-url "$db" create-org --id fixture-org --name "Fixture Org"
"$bin" admin --database-url "$db" create-account --org fixture-org --id site --name "Fixture Site" --origin https://fixture.example
NATTER_STAFF_PASSWORD=fixture-password "$bin" admin --database-url "$db" create-staff \
  --org fixture-org --email owner@fixture.example --name "Fixture Owner" --role owner
(cd "$work" && exec "$bin" serve --addr "127.0.0.1:$port" --database-url "$db" --rate-leads 0/min --rate-messages 0/min) &
pid=$!
base="http://127.0.0.1:$port/api/v1"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
staff=$(curl -sf "$base/auth/login" -H 'content-type: application/json' \
  -d '{"email":"owner@fixture.example","password":"fixture-password"}' | json "['token']")
for n in 1 2 3; do
  lead=$(curl -sf "$base/widget/fixture-org/site/leads" -H 'content-type: application/json' \
    -d "{\"name\":\"Visitor $n\",\"email\":\"v$n@example.com\",\"message\":\"Hello $n\"}")
  conv=$(echo "$lead" | json "['conv_id']"); token=$(echo "$lead" | json "['visitor_token']")
  curl -sf "$base/conversations/$conv/messages" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"text\":\"Second message $n\",\"client_msg_id\":\"fixture-$n-2\"}" >/dev/null
  curl -sf "$base/conversations/$conv/replies" -H "authorization: Bearer $staff" -H 'content-type: application/json' \
    -d "{\"text\":\"Staff reply $n\",\"client_msg_id\":\"fixture-$n-r\"}" >/dev/null
done
curl -sf -X PATCH "$base/conversations/$conv" -H "authorization: Bearer $staff" -H 'content-type: application/json' \
  -d '{"status":"resolved"}' >/dev/null
kill -TERM $pid; wait $pid || true
# One self-contained file: fold the write-ahead log in.
sqlite3 "$work/natter.db" 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;' >/dev/null
cp "$work/natter.db" "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
