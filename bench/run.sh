#!/usr/bin/env bash
# The load benchmark of `make bench`: the release binary (offline model) on SQLite and on
# PostgreSQL, driven by wrk on this machine; each scenario with telemetry fully on and fully
# off, alternating A B A B; then pgbench's ceiling for the same work and the statements one
# chat really makes. Writes bench/results/<date>.md and the latest table into BENCHMARKS.md.
#
#   BENCH_DURATION (s, default 20)  BENCH_WARMUP (s, default 5)  BENCH_CONNECTIONS (32)
#   BENCH_BACKENDS ("sqlite postgres")  BENCH_SCENARIOS ("new reuse tasks")
#   BENCH_PAIRS (on-off pairs per scenario, default 2: on off on off; more pairs, each shorter,
#   tell telemetry's cost from the host's drift between runs)
#   TEST_DATABASE_URL (admin URL for PostgreSQL, default postgres://postgres@127.0.0.1:5432/test)
#   BENCH_NO_BUILD=1 uses target/release/todo-chatbot as it is
#   DECORATOR_INSTRUCTIONS: a file of bench/decorator_instructions.sh's output to include
#   CHAT_INSTRUCTIONS: a file of bench/chat_instructions.sh's output to include
#   TELEMETRY_INSTRUCTIONS: a file of bench/telemetry_instructions.sh's output to include
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-5}
CONNS=${BENCH_CONNECTIONS:-32}
USERS=20
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
SCENARIOS=${BENCH_SCENARIOS:-new reuse tasks}
PAIRS=${BENCH_PAIRS:-2}
MODES=$(for _ in $(seq 1 "$PAIRS"); do printf 'on off '; done)
ADMIN=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
PGHOSTPORT=$(echo "$ADMIN" | sed -E 's#^[a-z]+://([^@]*@)?([^/]+)/.*#\2#')
PGHOST=${PGHOSTPORT%:*}
PGPORT=${PGHOSTPORT##*:}
BIN=target/release/todo-chatbot
SECRET=bench-secret
WORK=$(mktemp -d /tmp/todo-bench.XXXXXX)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "bench: wrk is missing (make bench installs it with apt)"; exit 1; }
[ "${BENCH_NO_BUILD:-}" = 1 ] || cargo build --release --bin todo-chatbot >&2

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

psql_admin() { psql "$ADMIN" -v ON_ERROR_STOP=1 -qtAc "$1"; }

fresh_db_url() { # $1 backend
  if [ "$1" = sqlite ]; then
    local dir; dir=$(mktemp -d "$WORK/sqlite.XXXX")
    echo "sqlite://$dir/todo.db?mode=rwc"
  else
    local name="bench_$(date +%s%N)"
    psql_admin "CREATE DATABASE $name" >/dev/null
    echo "${ADMIN%/*}/$name"
  fi
}

start_server() { # $1 db url, $2 mode (on|off), $3 log file -> sets PID, PORT
  PORT=$(free_port)
  local env=(PORT="$PORT" DATABASE_URL="$1" AUTH_JWT_SECRET="$SECRET" LLM_PROVIDER=offline
             RATE_LIMIT_PER_MINUTE=1000000000 RATE_LIMIT_BURST=1000000000 APP_CONFIG_DIR="$PWD/config")
  if [ "$2" = on ]; then
    env+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
          OTEL_BSP_SCHEDULE_DELAY=1000 RUST_LOG=info)
  else
    env+=(OTEL_SDK_DISABLED=true RUST_LOG=warn)
  fi
  env "${env[@]}" "$BIN" serve >"$3" 2>&1 &
  PID=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench: server did not start"; cat "$3"; exit 1
}

stop_server() {
  local rss; rss=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
  echo "$rss"
}

prepare_users() { # tokens, and for reuse one conversation per user
  : >"$WORK/tokens"; : >"$WORK/conversations"
  for u in $(seq 1 $USERS); do
    AUTH_JWT_SECRET=$SECRET "$BIN" token "u$u" --ttl 2h >>"$WORK/tokens" 2>/dev/null
  done
  if [ "$1" = reuse ]; then
    local u=0
    while read -r token; do
      u=$((u + 1))
      curl -sf "http://127.0.0.1:$PORT/api/u$u/chat" -H "authorization: Bearer $token" \
        -H 'content-type: application/json' -d '{"message": "show my tasks"}' \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["conversation_id"])' >>"$WORK/conversations"
    done <"$WORK/tokens"
  fi
}

run_wrk() { # $1 scenario $2 seconds -> RESULT line
  BENCH_DIR=$WORK BENCH_SCENARIO=$1 wrk -t2 -c"$CONNS" -d"${2}s" --timeout 10s -s bench/load.lua \
    "http://127.0.0.1:$PORT" | grep '^RESULT' || echo "RESULT requests=0 seconds=1 p50_ms=0 p95_ms=0 p99_ms=0 non2xx=-1"
}

field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

# CPU clock ticks (user + system) the process $1 has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The whole machine's busy, stolen and I/O-wait ticks so far (all CPUs, from /proc/stat):
# the load generator, the OTLP receiver and the kernel's writeback count too; steal is time
# the hypervisor gave to others while this machine wanted to run.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $9, $6}' /proc/stat; }
TICK=$(getconf CLK_TCK)

SINK_PORT=$(free_port)
python3 bench/otlp_sink.py "$SINK_PORT" >"$WORK/sink.log" 2>&1 &
SINK_PID=$!

# The first run of an invocation was the slowest in every invocation so far (three of three,
# by up to a quarter): one unmeasured run of the first backend first.
first=${BACKENDS%% *}
url=$(fresh_db_url "$first")
start_server "$url" on "$WORK/server-unmeasured.log"
prepare_users new
run_wrk new "$DURATION" >/dev/null
stop_server >/dev/null
[ "$first" = postgres ] && psql_admin "DROP DATABASE IF EXISTS ${url##*/} WITH (FORCE)" >/dev/null

ROWS="$WORK/rows"; : >"$ROWS"
for backend in $BACKENDS; do
  for scenario in $SCENARIOS; do
    for mode in $MODES; do
      url=$(fresh_db_url "$backend")
      start_server "$url" "$mode" "$WORK/server-$backend-$scenario-$mode.log"
      prepare_users "$scenario"
      run_wrk "$scenario" "$WARMUP" >/dev/null
      ticks=$(cpu_ticks "$PID")
      read -r busy0 steal0 iowait0 < <(machine_ticks)
      python3 bench/threads.py snap "$PID" >"$WORK/threads0"
      result=$(run_wrk "$scenario" "$DURATION")
      ticks=$(( $(cpu_ticks "$PID") - ticks ))
      read -r busy1 steal1 iowait1 < <(machine_ticks)
      python3 bench/threads.py snap "$PID" >"$WORK/threads1"
      rss=$(stop_server)
      reqs=$(field "$result" requests); secs=$(field "$result" seconds)
      rps=$(python3 -c "print(round($reqs / $secs, 1))")
      # The server's own CPU per request over the measured run: telemetry's cost in CPU, beside
      # its cost in req/s (both move with the host between runs); and of it, what telemetry's
      # own threads (log writer, OTLP exporter and its HTTP client) used, syscalls included.
      cpu_ms=$(python3 -c "print(round($ticks * 1000 / $TICK / max($reqs, 1), 4))")
      tel_ms=$(python3 bench/threads.py telemetry "$WORK/threads0" "$WORK/threads1" "$reqs")
      # The machine's busy CPU per request, and the shares of the run's CPU time stolen and
      # spent waiting for I/O.
      machine_ms=$(python3 -c "print(round(($busy1 - $busy0) * 1000 / $TICK / max($reqs, 1), 4))")
      share() { python3 -c "print(round(100 * ($1) / max($secs * $TICK * $(nproc), 1), 2))"; }
      steal=$(share "$steal1 - $steal0"); iowait=$(share "$iowait1 - $iowait0")
      echo "$backend $scenario $mode $rps $(field "$result" p50_ms) $(field "$result" p95_ms) $(field "$result" p99_ms) $(field "$result" non2xx) $rss $cpu_ms $tel_ms $machine_ms $steal $iowait" | tee -a "$ROWS" >&2
      [ "$backend" = postgres ] && psql_admin "DROP DATABASE IF EXISTS ${url##*/} WITH (FORCE)" >/dev/null
    done
  done
done
kill -TERM "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true

# The ceiling: pgbench running the minimal SQL of one chat that adds a task, same clients.
CEILING=""
STATEMENTS=""
if echo "$BACKENDS" | grep -q postgres; then
  url=$(fresh_db_url postgres); db=${url##*/}
  DATABASE_URL=$url "$BIN" migrate >/dev/null 2>&1
  CEILING=$(pgbench -n -h "$PGHOST" -p "$PGPORT" -U postgres -c "$CONNS" -j 2 -T "$DURATION" \
    -f bench/chat.pgbench "$db" 2>/dev/null | awk '/^tps/ {print $3; exit}')
  psql_admin "DROP DATABASE $db WITH (FORCE)" >/dev/null

  # Statements and round trips of one `new` chat, from PostgreSQL's own log.
  url=$(fresh_db_url postgres); db=${url##*/}
  psql_admin "ALTER DATABASE $db SET log_statement = 'all'" >/dev/null
  start_server "$url" off "$WORK/server-statements.log"
  prepare_users new
  token=$(head -n1 "$WORK/tokens")
  curl -sf "http://127.0.0.1:$PORT/api/u1/chat" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"message": "add a task to buy milk 0"}' >/dev/null
  log=$(ls -t /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -n1)
  before=$(wc -l <"$log" 2>/dev/null || echo 0)
  curl -sf "http://127.0.0.1:$PORT/api/u1/chat" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"message": "add a task to buy milk 1"}' >/dev/null
  sleep 0.5
  if [ -n "$log" ]; then
    tail -n +"$((before + 1))" "$log" | grep "@$db " | grep -E 'LOG:  (statement|execute)' >"$WORK/statements" || true
    STATEMENTS=$(wc -l <"$WORK/statements")
  fi
  stop_server >/dev/null
  psql_admin "DROP DATABASE $db WITH (FORCE)" >/dev/null
fi

DATE=$(date -u +%Y-%m-%d)
OUT=bench/results/$DATE.md
python3 bench/report.py "$ROWS" "${CEILING:-}" "${STATEMENTS:-}" "$WORK/statements" \
  "$DURATION" "$WARMUP" "$CONNS" "$PAIRS" >"$OUT"
# The decorator's instruction count, when `make bench` measured it just before.
if [ -n "${DECORATOR_INSTRUCTIONS:-}" ] && [ -s "$DECORATOR_INSTRUCTIONS" ]; then
  { echo; echo "### One decorated call, in instructions (callgrind: \`bash bench/decorator_instructions.sh\`)"; echo
    echo '```'; cat "$DECORATOR_INSTRUCTIONS"; echo '```'; } >>"$OUT"
fi
if [ -n "${CHAT_INSTRUCTIONS:-}" ] && [ -s "$CHAT_INSTRUCTIONS" ]; then
  { echo; echo "### One chat, in instructions (callgrind, every thread of the server, telemetry on: \`bash bench/chat_instructions.sh\`)"; echo
    echo '```'; cat "$CHAT_INSTRUCTIONS"; echo '```'; } >>"$OUT"
fi
if [ -n "${TELEMETRY_INSTRUCTIONS:-}" ] && [ -s "$TELEMETRY_INSTRUCTIONS" ]; then
  { echo; echo "### Telemetry's cost per request, in instructions (callgrind, telemetry on and off: \`bash bench/telemetry_instructions.sh\`)"; echo
    echo "off/on is the throughput on/off the instructions alone allow (goal ≥ 0.95); unlike req/s on/off, it does not move with the host."; echo
    echo '```'; cat "$TELEMETRY_INSTRUCTIONS"; echo '```'; } >>"$OUT"
fi
cat "$OUT"
python3 - "$OUT" <<'PY'
import re, sys
latest = open(sys.argv[1]).read()
path = "BENCHMARKS.md"
text = open(path).read()
start, end = "<!-- latest:start -->", "<!-- latest:end -->"
text = re.sub(re.escape(start) + ".*?" + re.escape(end), start + "\n" + latest + "\n" + end, text, flags=re.S)
open(path, "w").write(text)
PY
echo "bench: wrote $OUT and BENCHMARKS.md" >&2
