"""The server's threads, by name, from /proc: CPU (user + system) and context switches.

    threads.py snap PID > before.json          one snapshot, summed by thread name (digits dropped)
    threads.py diff BEFORE AFTER REQUESTS      per request between two snapshots, a line per name
    threads.py telemetry BEFORE AFTER REQUESTS CPU ms per request of telemetry's own threads

Telemetry's own threads are the log writer (`log-writer`), the OTLP exporter (`otlp-export`)
and the runtime of its blocking HTTP client (`reqwest-internal-sync-runtime`, which the kernel
cuts to 15 characters; nothing else in the server uses reqwest's blocking client): what they cost
a request, syscalls included, is the part of telemetry's cost that callgrind's count of a
decorated call on the calling thread does not see.
"""
import json
import os
import re
import sys

TELEMETRY = ("log-writer", "otlp-export", "reqwest-interna")
HZ = os.sysconf("SC_CLK_TCK")


def snap(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = f.read()
        except OSError:  # the thread ended between listing and reading
            continue
        # "tid (comm) state ...": comm may hold spaces or parentheses, so split at the last ")".
        name = re.sub(r"[0-9]+", "", stat[stat.index("(") + 1 : stat.rindex(")")])
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
        vol = int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))
        invol = int(re.search(r"^nonvoluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))
        t, v, n = out.get(name, (0, 0, 0))
        out[name] = (t + ticks, v + vol, n + invol)
    return out


def delta(before_path, after_path):
    before, after = json.load(open(before_path)), json.load(open(after_path))
    # A thread that ended during the run takes its counts with it: no negative figures.
    return {
        name: tuple(max(a - b, 0) for a, b in zip(after[name], before.get(name, (0, 0, 0))))
        for name in after
    }


def main():
    cmd = sys.argv[1]
    if cmd == "snap":
        json.dump(snap(int(sys.argv[2])), sys.stdout)
        return
    d = delta(sys.argv[2], sys.argv[3])
    requests = max(int(sys.argv[4]), 1)
    ms = lambda ticks: ticks * 1000 / HZ / requests
    if cmd == "telemetry":
        print(f"{ms(sum(d[n][0] for n in TELEMETRY if n in d)):.4f}")
    elif cmd == "diff":
        print("per request, by thread name: CPU ms, context switches voluntary, involuntary")
        for name in sorted(d, key=lambda n: -d[n][0]):
            t, v, n = d[name]
            print(f"  {name}: {ms(t):.3f}, {v / requests:.2f}, {n / requests:.2f}")
    else:
        sys.exit(f"threads.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
