#!/usr/bin/env bash
# One load run for profiling, not part of `make bench`: the release binary on a fresh database
# under the same wrk script as bench/run.sh (32 connections, 20 users, 3 s warm-up), then the
# CPU each request cost the server, PostgreSQL and the machine (from /proc, in ms of CPU per
# request) and the run's steal and I/O wait, the CPU and context switches per request of the
# server's threads by name (bench/threads.py), its peak RSS, and its /metrics/summary.
#
#   bench/profile.sh <sqlite|postgres> <on|off> <new|reuse|tasks> <seconds> [perf record args]
#
# With perf arguments (e.g. `-F 499` or `-F 499 -g`), `perf record` samples the server for the
# measured seconds into bench/perf.data; then `perf report -i bench/perf.data --no-children`.
#   BIN (default target/release/todo-chatbot, built beforehand)
#   TEST_DATABASE_URL (admin URL for PostgreSQL, default postgres://postgres@127.0.0.1:5432/test)
#   APP__DATABASE__MAX_CONNECTIONS and any other setting pass through to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 4 ] || { sed -n '2,12p' "$0"; exit 2; }
BACKEND=$1 MODE=$2 SCENARIO=$3 SECS=$4
shift 4
BIN=${BIN:-target/release/todo-chatbot}
ADMIN=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
SECRET=bench-secret
WORK=$(mktemp -d /tmp/todo-profile.XXXXXX)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -x "$BIN" ] || { echo "profile: build $BIN first (cargo build --release)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The whole machine's busy, stolen and I/O-wait ticks so far (as bench/run.sh reads them):
# steal is time the hypervisor gave to other guests, what makes two runs minutes apart differ.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $9, $6}' /proc/stat; }
# CPU ticks (user + system) of every process whose name starts with $1.
ticks_of() {
  for p in /proc/[0-9]*; do
    case "$(cat "$p/comm" 2>/dev/null)" in "$1"*) awk '{print $14 + $15}' "$p/stat" 2>/dev/null ;; esac
  done | awk '{s += $1} END {print s + 0}'
}

DB=""
if [ "$BACKEND" = sqlite ]; then
  URL="sqlite://$WORK/todo.db?mode=rwc"
else
  DB="profile_$(date +%s%N)"
  psql "$ADMIN" -qtAc "CREATE DATABASE $DB" >/dev/null
  URL="${ADMIN%/*}/$DB"
fi
SINK=$(free_port)
python3 bench/otlp_sink.py "$SINK" >/dev/null 2>&1 &
PORT=$(free_port)
env=(PORT="$PORT" DATABASE_URL="$URL" AUTH_JWT_SECRET="$SECRET" LLM_PROVIDER=offline
     RATE_LIMIT_PER_MINUTE=1000000000 RATE_LIMIT_BURST=1000000000 APP_CONFIG_DIR="$PWD/config")
if [ "$MODE" = on ]; then
  env+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
        OTEL_BSP_SCHEDULE_DELAY=1000 RUST_LOG=info)
else
  env+=(OTEL_SDK_DISABLED=true RUST_LOG=warn)
fi
env "${env[@]}" "$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null || { cat "$WORK/server.log"; exit 1; }

for u in $(seq 1 20); do AUTH_JWT_SECRET=$SECRET "$BIN" token "u$u" --ttl 2h >>"$WORK/tokens" 2>/dev/null; done
: >"$WORK/conversations"
if [ "$SCENARIO" = reuse ]; then
  u=0
  while read -r token; do
    u=$((u + 1))
    curl -sf "http://127.0.0.1:$PORT/api/u$u/chat" -H "authorization: Bearer $token" \
      -H 'content-type: application/json' -d '{"message": "show my tasks"}' \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["conversation_id"])' >>"$WORK/conversations"
  done <"$WORK/tokens"
fi
load() { BENCH_DIR=$WORK BENCH_SCENARIO=$SCENARIO wrk -t2 -c32 -d"${1}s" --timeout 10s -s bench/load.lua "http://127.0.0.1:$PORT"; }
load 3 >/dev/null

server0=$(awk '{print $14 + $15}' "/proc/$PID/stat"); pg0=$(ticks_of postgres)
read -r busy0 steal0 iowait0 < <(machine_ticks)
python3 bench/threads.py snap "$PID" >"$WORK/threads0"
if [ $# -gt 0 ]; then
  perf record -o bench/perf.data -p "$PID" "$@" -- sleep "$SECS" >/dev/null 2>&1 &
  PERF=$!
fi
load "$SECS" | grep '^RESULT' | tee "$WORK/result"
server1=$(awk '{print $14 + $15}' "/proc/$PID/stat"); pg1=$(ticks_of postgres)
read -r busy1 steal1 iowait1 < <(machine_ticks)
python3 bench/threads.py snap "$PID" >"$WORK/threads1"
[ $# -gt 0 ] && wait "$PERF"
requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' "$WORK/result")
hz=$(getconf CLK_TCK)
python3 - "$requests" "$hz" "$((server1 - server0))" "$((pg1 - pg0))" "$((busy1 - busy0))" \
  "$((steal1 - steal0))" "$((iowait1 - iowait0))" "$SECS" "$(nproc)" <<'PY'
import sys
requests, hz, server, pg, busy, steal, iowait, secs, cpus = (int(a) for a in sys.argv[1:])
per = lambda ticks: round(ticks * 1000 / hz / max(requests, 1), 3)
share = lambda ticks: round(100 * ticks / max(secs * hz * cpus, 1), 1)
print(f"cpu ms/request: server {per(server)}, postgres {per(pg)}, machine {per(busy)}")
print(f"machine: steal {share(steal)}%, I/O wait {share(iowait)}% of the run's CPU time")
PY
python3 bench/threads.py diff "$WORK/threads0" "$WORK/threads1" "$requests"
grep VmHWM "/proc/$PID/status"
grep -E '^(Rss|Anonymous|Private_Clean)' "/proc/$PID/smaps_rollup"
echo "threads: $(ls "/proc/$PID/task" | wc -l)"
curl -s "http://127.0.0.1:$PORT/metrics/summary" | python3 -c '
import json, sys
print("operation count p50_ms p95_ms p99_ms max_ms")
for o in json.load(sys.stdin)["operations"]:
    print(o["operation"], o["count"], o["p50_ms"], o["p95_ms"], o["p99_ms"], o["max_ms"])'
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
[ -z "$DB" ] || psql "$ADMIN" -qtAc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
