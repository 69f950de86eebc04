#!/usr/bin/env bash
# Telemetry's cost per request of each load scenario, in instructions: bench/chat_instructions.sh
# with telemetry fully on and fully off (as the load benchmark's runs), on SQLite and
# PostgreSQL. The load benchmark's req/s on/off swings with the host between two runs minutes
# apart (a scenario's two pairs have differed by 0.1 and more); an instruction count does not,
# and off/on of it is the throughput on/off a CPU-bound server would reach if instructions
# were all that counted (cache misses and the telemetry threads' wake-ups are not in it).
#   new    the mean of a listing chat and an adding chat (the scenario alternates them)
#   reuse  a chat in a conversation whose history is full (bench/chat_instructions.sh `reuse`)
#   tasks  GET /api/u1/tasks of a user with no tasks (the scenario's request), over 1,000 of them:
#          the server's own periodic work (its timers, the pool's and the exporter's wake-ups)
#          moved 200 of them by up to ±500 instructions a request, as much as half of what
#          telemetry's share of one changes in a pass; two runs of 1,000 differ by ~±300
#   BIN (default target/release/todo-chatbot)  BACKENDS ("sqlite postgres")
set -euo pipefail
cd "$(dirname "$0")/.."
count() { # mode kinds tasks chats -> "kind instructions" lines
  MODE=$1 KINDS=$2 TASKS=$3 CHATS=$4 BACKENDS=$backend bash bench/chat_instructions.sh \
    | awk '{print $2, $3}'
}
printf '%-8s %-6s %12s %12s %7s\n' backend scenario on off off/on
COUNTS=$(mktemp /tmp/telemetry-instr.XXXXXX)
trap 'rm -f "$COUNTS"' EXIT
for backend in ${BACKENDS:-sqlite postgres}; do
  for mode in on off; do
    count "$mode" "list add reuse" 400 20 | sed "s/^/$mode /"
    count "$mode" tasks 0 1000 | sed "s/^/$mode /"
  done >"$COUNTS"
  python3 - "$backend" "$COUNTS" <<'PY'
import sys
backend, path = sys.argv[1], sys.argv[2]
counts = {}
for line in open(path):
    mode, kind, n = line.split()
    counts[(mode, kind)] = int(n)
def per(mode, scenario):
    if scenario == "new":
        return (counts[(mode, "list")] + counts[(mode, "add")]) / 2
    return counts[(mode, scenario)]
for scenario in ("new", "reuse", "tasks"):
    on, off = per("on", scenario), per("off", scenario)
    print(f"{backend:<8} {scenario:<6} {on:12.0f} {off:12.0f} {off / on:7.3f}")
PY
done
