#!/usr/bin/env bash
# Fuzzes the live server against its own OpenAPI document (/api/openapi.json) with
# Schemathesis: every check (server errors, status codes, content types, headers,
# response schemas, negative data rejected, valid data accepted, auth not ignored,
# unsupported methods and Allow headers, stateful links), positive and negative data.
# Exits non-zero on any failure. Bigger runs: ST_EXAMPLES=500 bash scripts/schemathesis.sh;
# replay one: ST_SEED=<seed printed by a run> bash scripts/schemathesis.sh; on Postgres:
# ST_DATABASE_URL=<an empty database or schema> bash scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
version=4.32.5
examples="${ST_EXAMPLES:-60}"
venv="$CARGO_TARGET_DIR/schemathesis-venv"
st="$venv/bin/schemathesis"

if [ "$("$st" --version 2>/dev/null)" != "schemathesis, version $version" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

cargo build --quiet -p natter-server --bin natter

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Rate limits off, or the fuzzer mostly measures them; 429 stays in the document.
"$CARGO_TARGET_DIR/debug/natter" serve --demo \
  --database-url "${ST_DATABASE_URL:-sqlite://$work/st.db}" --addr "127.0.0.1:$port" \
  --rate-leads 0/min --rate-messages 0/min --rate-logins 0/min --rate-logins-per-email 0/min \
  --rate-messages-per-ip 0/min --rate-reads 0/min --rate-uploads 0/min --rate-uploads-per-ip 0/min \
  >"$work/server.log" 2>&1 &
server=$!

# Waits for the server, then prints what the run needs: two staff tokens (one for the
# logout operation, which ends its session) and a visitor with its conversation.
python3 - "$base" >"$work/ids" <<'EOF'
import json, sys, time, urllib.request

base = sys.argv[1]
for _ in range(300):
    try:
        urllib.request.urlopen(f"{base}/readyz", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the server did not become ready")

def post(path, body):
    request = urllib.request.Request(
        f"{base}{path}", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    return json.load(urllib.request.urlopen(request))

login = {"email": "demo@example.com", "password": "demo"}
lead = post("/api/v1/widget/demo/demo/leads", {"name": "Ana", "message": "Hello"})
print(post("/api/v1/auth/login", login)["token"])
print(post("/api/v1/auth/login", login)["token"])
print(lead["visitor_token"])
print(lead["conv_id"])
EOF
{ read -r staff; read -r staff_logout; read -r visitor; read -r conv; } <"$work/ids"

# Real ids most of the time, generated ones (unknown: 404) the rest. Each operation
# runs with the token it is for: staff by default, the visitor's where only a visitor
# may call, a session of its own for logout. `ignored_auth` drops or spoils them.
cat >"$work/schemathesis.toml" <<EOF
headers = { Authorization = "Bearer $staff" }

[dictionaries.conv]
values = ["$conv"]
[dictionaries.org]
values = ["demo"]

[parameters]
"path.conv_id" = { dictionary = "conv", probability = 0.8 }
"path.org_id" = { dictionary = "org", probability = 0.8 }
"path.account_id" = { dictionary = "org", probability = 0.8 }

# Link inference from Location headers is off: this API sends none, and the observer
# behind it crashes Schemathesis 4.32 on a generated URL-like string echoed in a 2xx
# body (ValueError "Invalid IPv6 URL" in urlsplit). Dependency analysis stays on.
[phases.stateful.inference]
algorithms = ["dependency-analysis"]

# A message's text may be empty only with attachments, and attachment ids must be the
# caller's unsent uploads to this conversation, which no JSON Schema can say: 422.
[[operations]]
include-operation-id = "post_message"
headers = { Authorization = "Bearer $visitor" }
checks.positive_data_acceptance.expected-statuses = ["2XX", 401, 403, 404, 409, 422, 429]

[[operations]]
include-operation-id = "post_reply"
checks.positive_data_acceptance.expected-statuses = ["2XX", 401, 403, 404, 409, 422, 429]

[[operations]]
include-operation-id = "logout"
headers = { Authorization = "Bearer $staff_logout" }

# A push subscription holds only with a real P-256 point and an https endpoint on a
# public host, which no JSON Schema can say: generated keys are answered 422.
[[operations]]
include-operation-id = "subscribe"
checks.positive_data_acceptance.expected-statuses = ["2XX", 401, 403, 404, 409, 422, 429]

# A webhook URL must be https on a public address (http only to loopback, when allowed),
# which a pattern cannot say; at most 20 endpoints: refused ones are answered 422.
[[operations]]
include-path-regex = "^/api/v1/webhooks"
include-method-regex = "^(POST|PATCH)$"
checks.positive_data_acceptance.expected-statuses = ["2XX", 401, 403, 404, 409, 422, 429]

# Only an owner makes an owner token (the fuzzer signs in as an admin: 403); at most 50.
[[operations]]
include-path = "/api/v1/api-tokens"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2XX", 401, 403, 404, 409, 422, 429]

# An upload's type is decided by its content: generated bytes are mostly refused (415).
[[operations]]
include-path = "/api/v1/conversations/{conv_id}/attachments"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2XX", 400, 401, 403, 404, 413, 415, 422, 429]

# A signed URL holds only with the server's signature: generated ones are answered 403.
[[operations]]
include-path-regex = "^/api/v1/attachments/"
checks.positive_data_acceptance.expected-statuses = ["2XX", 400, 403, 404, 503]

# An assignee must be a member of the organization, which no JSON Schema can say:
# generated ids are answered 422 invalid_assignee_id.
[[operations]]
include-path = "/api/v1/conversations/{conv_id}"
include-method = "PATCH"
checks.positive_data_acceptance.expected-statuses = ["2XX", 401, 403, 404, 409, 422, 429]
EOF

# One worker: Python 3.11's ast.parse, which Hypothesis calls to describe filters, is not
# thread-safe ("AST constructor recursion depth mismatch" errors with two).
seed=()
[ -n "${ST_SEED:-}" ] && seed=(--seed "$ST_SEED")
status=0
# From the temporary directory: Schemathesis keeps a cache in `.schemathesis/` there.
(cd "$work" && "$st" --config-file schemathesis.toml run "$base/api/openapi.json" \
  --checks all --mode all --max-examples "$examples" --workers 1 \
  --request-timeout 10 --no-color "${seed[@]}") || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis failed; the server's log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
