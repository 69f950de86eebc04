#!/usr/bin/env bash
# What one call through the timing decorator costs, in instructions: a count that does not
# move with the machine's load, where criterion's microseconds do (5.2–7.9 µs for one binary
# within ten minutes on a shared 2-core machine). Runs the criterion bench binary in its
# counting mode (`DECORATOR_CALLS`, see benches/telemetry.rs) under callgrind for two call
# counts, bare and timed, and prints the instructions of one call on every thread (the span's
# export and the log writer included) as the difference divided by the difference in calls.
#
#   CALLS_LOW (default 2000)  CALLS_HIGH (default 12000)  BENCH_BIN (default: built here)
set -euo pipefail
cd "$(dirname "$0")/.."

LOW=${CALLS_LOW:-2000}
HIGH=${CALLS_HIGH:-12000}
command -v valgrind >/dev/null || { echo "decorator_instructions: valgrind is missing (apt-get install valgrind)"; exit 1; }

BIN=${BENCH_BIN:-}
if [ -z "$BIN" ]; then
  BIN=$(cargo bench --bench telemetry --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "telemetry":
        print(m["executable"])')
fi
[ -x "$BIN" ] || { echo "decorator_instructions: no bench binary ($BIN)"; exit 1; }

WORK=$(mktemp -d /tmp/decorator-instr.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Instructions of a run: all threads, and the calling thread alone (the benchmark's main
# thread, callgrind's thread 1: what a request waits for; the others are the span export and
# the log writer).
instructions() { # $1 kind, $2 calls -> "total calling"
  DECORATOR_CALLS="$1:$2" valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$WORK/out" "$BIN" >/dev/null 2>"$WORK/log"
  local total calling
  total=$(grep -h '^summary:' "$WORK"/out* | awk '{s += $2} END {print s}')
  calling=$(grep -h '^summary:' "$WORK"/out-01 | awk '{print $2}')
  rm -f "$WORK"/out*
  echo "$total $calling"
}

declare -A per_call calling_per_call
for kind in bare timed; do
  read -r low low_calling < <(instructions "$kind" "$LOW")
  read -r high high_calling < <(instructions "$kind" "$HIGH")
  per_call[$kind]=$(( (high - low) / (HIGH - LOW) ))
  calling_per_call[$kind]=$(( (high_calling - low_calling) / (HIGH - LOW) ))
  echo "$kind: $low instructions for $LOW calls, $high for $HIGH: ${per_call[$kind]} per call" \
    "(${calling_per_call[$kind]} on the calling thread)"
done
echo "decorator: $(( per_call[timed] - per_call[bare] )) instructions per call more than the bare call" \
  "($(python3 -c "print(f'{${per_call[timed]} / ${per_call[bare]}:.1f}')")x);" \
  "on the calling thread $(( calling_per_call[timed] - calling_per_call[bare] )) more"
