#!/usr/bin/env bash
# What one chat costs the server, in instructions: a count that does not move with the
# machine's load, where req/s and ms of CPU per chat do (a fifth between minutes on this shared
# 2-core machine). Starts the release binary under callgrind (instrumentation off until the
# measured part), telemetry on (OTLP/HTTP to bench/otlp_sink.py, JSON logs at info), seeds one
# user with TASKS tasks, then counts every thread's instructions over CHATS chats of each kind,
# one at a time over one keep-alive connection:
#   list  "show my tasks" (the listing chat: the tasks read, given to the model, answered)
#   add   "add a task to buy milk N"
#   tasks GET /api/u1/tasks (not in the default KINDS; the load benchmark's `tasks` scenario
#         has no tasks: TASKS=0 KINDS=tasks)
#   reuse "show my tasks" and "add a task to buy milk N" in turn, in one conversation whose
#         history is full (50 messages, half of them listings; not in the default KINDS)
# on SQLite and on PostgreSQL (a fresh database through TEST_DATABASE_URL).
#
#   BIN (default target/release/todo-chatbot, built beforehand)  TASKS (400)  CHATS (20)
#   BACKENDS ("sqlite postgres")  KINDS ("list add")  MODE (on; off: OTEL_SDK_DISABLED=true and
#   logs at warn, as the load benchmark's telemetry-off runs)
#   KEEP (a directory: callgrind's files are kept there, one directory per backend and kind,
#   for `callgrind_annotate --inclusive=yes KEEP/sqlite-list/cg.out*`)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/todo-chatbot}
TASKS=${TASKS:-400}
CHATS=${CHATS:-20}
ADMIN=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
command -v valgrind >/dev/null || { echo "chat_instructions: valgrind is missing (apt-get install valgrind)"; exit 1; }
[ -x "$BIN" ] || { echo "chat_instructions: build $BIN first (cargo build --release)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
drive() { # port token count kind
  python3 - "$@" <<'PY'
import http.client, json, sys
port, token, n, kind = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
h = {"authorization": "Bearer " + token, "content-type": "application/json"}
for i in range(n):
    if kind == "seed":
        path, body = "/api/u1/tasks", {"title": f"buy milk {i}", "description": None if i % 3 else "from the shop"}
    elif kind == "list":
        path, body = "/api/u1/chat", {"message": "show my tasks"}
    elif kind == "tasks":
        path, body = "/api/u1/tasks", None
    elif kind == "reuse":
        if i == 0:  # the user's most recently active conversation, or a new one
            c.request("GET", "/api/u1/conversations", headers=h)
            r = c.getresponse(); listed = json.loads(r.read())
            conversation = listed[0]["id"] if listed else None
        message = "show my tasks" if i % 2 == 0 else f"add a task to buy milk {i}"
        path, body = "/api/u1/chat", {"conversation_id": conversation, "message": message}
    else:
        path, body = "/api/u1/chat", {"message": f"add a task to buy milk {i}"}
    if body is None:
        c.request("GET", path, headers=h)
    else:
        c.request("POST", path, json.dumps(body), h)
    r = c.getresponse(); d = r.read()
    if r.status not in (200, 201):
        sys.exit(f"{path}: {r.status} {d[:200]!r}")
    if kind == "reuse":
        conversation = json.loads(d)["conversation_id"]
PY
}

one() { # backend kind
  local backend=$1 kind=$2 work db="" url
  work=$(mktemp -d /tmp/chat-instr.XXXXXX)
  if [ "$backend" = sqlite ]; then
    url="sqlite://$work/todo.db?mode=rwc"
  else
    db="chat_instr_$(date +%s%N)"
    psql "$ADMIN" -qtAc "CREATE DATABASE $db" >/dev/null
    url="${ADMIN%/*}/$db"
  fi
  local sink port
  sink=$(free_port); port=$(free_port)
  python3 bench/otlp_sink.py "$sink" >/dev/null 2>&1 &
  local sink_pid=$!
  local telemetry=(RUST_LOG=info OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink"
    OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_BSP_SCHEDULE_DELAY=200)
  [ "${MODE:-on}" = on ] || telemetry=(OTEL_SDK_DISABLED=true RUST_LOG=warn)
  env PORT=$port DATABASE_URL=$url AUTH_JWT_SECRET=bench-secret LLM_PROVIDER=offline \
    RATE_LIMIT_PER_MINUTE=0 APP_CONFIG_DIR="$PWD/config" "${telemetry[@]}" \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" \
    "$BIN" serve >"$work/server.log" 2>"$work/valgrind.log" &
  local vg=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { cat "$work/server.log" "$work/valgrind.log"; exit 1; }
  local token
  token=$(AUTH_JWT_SECRET=bench-secret "$BIN" token u1)
  drive "$port" "$token" "$TASKS" seed
  # Warm: connections, prepared statements, caches; for reuse, a full history (50 messages).
  drive "$port" "$token" "$([ "$kind" = reuse ] && echo 25 || echo 5)" "$kind"
  sleep 1
  callgrind_control -i on "$vg" >/dev/null 2>&1
  drive "$port" "$token" "$CHATS" "$kind"
  sleep 1.5                          # the last spans' export and log lines
  callgrind_control -i off "$vg" >/dev/null 2>&1
  kill -INT "$vg"; wait "$vg" 2>/dev/null || true
  kill "$sink_pid" 2>/dev/null || true
  local total
  total=$(grep -h '^totals:' "$work"/cg.out* | awk '{s += $2} END {print s + 0}')
  [ "$total" -gt 0 ] || { echo "chat_instructions: callgrind counted nothing"; cat "$work/valgrind.log"; exit 1; }
  printf '%-8s %-5s %12d instructions per %s (%d of them, %d tasks%s)\n' "$backend" "$kind" \
    $((total / CHATS)) "$([ "$kind" = tasks ] && echo request || echo chat)" "$CHATS" "$TASKS" \
    "$([ "${MODE:-on}" = on ] || echo ', telemetry off')"
  [ -z "$db" ] || psql "$ADMIN" -qtAc "DROP DATABASE $db WITH (FORCE)" >/dev/null
  if [ -n "${KEEP:-}" ]; then   # callgrind's files, for callgrind_annotate
    mkdir -p "$KEEP/$backend-$kind" && cp "$work"/cg.out* "$KEEP/$backend-$kind/"
  fi
  rm -rf "$work"
}

for backend in ${BACKENDS:-sqlite postgres}; do
  for kind in ${KINDS:-list add}; do one "$backend" "$kind"; done
done
