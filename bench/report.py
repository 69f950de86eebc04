"""Turns the rows bench/run.sh measured into the markdown of bench/results/<date>.md."""
import platform
import statistics
import subprocess
import sys
from collections import defaultdict

rows_path, ceiling, statements, statements_path, duration, warmup, conns = sys.argv[1:8]
pairs = int(sys.argv[8]) if len(sys.argv) > 8 else 2


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


runs = defaultdict(list)
for line in open(rows_path):
    backend, scenario, mode, rps, p50, p95, p99, non2xx, rss, cpu_ms, tel_ms, machine_ms, steal, iowait = line.split()
    runs[(backend, scenario, mode)].append(
        dict(rps=float(rps), p50=float(p50), p95=float(p95), p99=float(p99), non2xx=int(non2xx), rss=int(rss),
             cpu=float(cpu_ms), tel=float(tel_ms), machine=float(machine_ms), steal=float(steal),
             iowait=float(iowait))
    )

# What ran: `make bench`, or bench/run.sh with the settings that differ from its defaults.
command = "`make bench` (bench/run.sh)"
if (pairs, duration, warmup) != (2, "20", "5"):
    command = f"`BENCH_PAIRS={pairs} BENCH_DURATION={duration} BENCH_WARMUP={warmup} bash bench/run.sh`"
def measured():
    """Each backend and scenario with both on and off runs: (backend, scenario, on, off)."""
    for backend, scenario in sorted({(b, s) for (b, s, _) in runs}):
        on, off = runs.get((backend, scenario, "on"), []), runs.get((backend, scenario, "off"), [])
        if on and off:
            yield backend, scenario, on, off


PY_BASELINE = {("postgres", "new"): (160, 500), ("sqlite", "new"): (210, 1200)}
mean = statistics.mean
out = []
out.append(f"# Benchmark run {sh('date -u +%Y-%m-%dT%H:%MZ')}\n")
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
mem = sh("free -g | awk '/Mem/ {print $2}'")
wrk = sh("wrk --version 2>&1 | head -n1").split(" [")[0]
out.append(
    f"Machine: {sh('nproc')} cores, {cpu}, {mem} GiB; {platform.system()} {platform.release()}. "
    f"Load generator on the same machine. {sh('rustc --version')}; {sh('psql --version')}; {wrk}.\n"
)
out.append(
    f"Command: {command}, {conns} connections, 20 users, {warmup} s warm-up then "
    f"{duration} s per run, each scenario run telemetry {' / '.join(['on / off'] * pairs)} on a fresh "
    "database each time. "
    "On: OTLP/HTTP export to a local receiver, JSON logs at info to a file, metrics. "
    f"Off: `OTEL_SDK_DISABLED=true`, logs at warn. Figures are means of the {pairs} runs of each. "
    "CPU ms/req: the server's own CPU (user + system, from /proc) over the measured run, divided by "
    "its requests; CPU off/on is telemetry's share of it, and moves with the host between runs as "
    "req/s does.\n"
)
out.append("| backend | scenario | req/s on | req/s off | on/off | p50 ms | p95 ms | p99 ms | p99 on/off | non-2xx | peak RSS MiB | CPU ms/req on | CPU ms/req off | CPU off/on |")
out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for backend, scenario, on, off in measured():
    rps_on, rps_off = mean(r["rps"] for r in on), mean(r["rps"] for r in off)
    p99_on, p99_off = mean(r["p99"] for r in on), mean(r["p99"] for r in off)
    cpu_on, cpu_off = mean(r["cpu"] for r in on), mean(r["cpu"] for r in off)
    out.append(
        f"| {backend} | {scenario} | {rps_on:.0f} | {rps_off:.0f} | {rps_on / rps_off:.3f} | "
        f"{mean(r['p50'] for r in on):.2f} | {mean(r['p95'] for r in on):.2f} | {p99_on:.2f} | "
        f"{p99_on / p99_off if p99_off else float('nan'):.3f} | "
        f"{sum(r['non2xx'] for r in on + off)} | {max(r['rss'] for r in on + off) / 1024:.1f} | "
        f"{cpu_on:.3f} | {cpu_off:.3f} | {cpu_off / cpu_on if cpu_on else float('nan'):.3f} |"
    )
out.append("")
out.append(
    "Telemetry's cost run by run: req/s on/off of each on-off pair in the order they ran, and their "
    "median; then the CPU a request cost more with telemetry on than off, and of that the CPU of "
    "telemetry's own threads (log writer, OTLP exporter and its HTTP client, syscalls included, from "
    "/proc per thread); the rest is its work on the request's own threads plus the host's drift "
    "between runs. Machine CPU: every process's (the load generator, the OTLP receiver, the "
    "kernel's writeback) per request, on and off; steal / I/O wait: the shares of each run's CPU "
    "time the hypervisor gave to other guests and the CPUs idled waiting for the disk, runs in "
    "order (the host's drift, where it shows).\n"
)
out.append("| backend | scenario | on/off of each pair | median | CPU on − off ms/req | telemetry threads ms/req on | rest ms/req | machine CPU ms/req on / off | steal / I/O wait % |")
out.append("|---|---|---|---:|---:|---:|---:|---:|---|")
for backend, scenario, on, off in measured():
    ratios = [a["rps"] / b["rps"] for a, b in zip(on, off)]
    more = mean(r["cpu"] for r in on) - mean(r["cpu"] for r in off)
    threads = mean(r["tel"] for r in on)
    steals = ", ".join(
        f"{r['steal']:.1f} / {r['iowait']:.1f}" for pair in zip(on, off) for r in pair
    )
    out.append(
        f"| {backend} | {scenario} | {', '.join(f'{r:.3f}' for r in ratios)} | {statistics.median(ratios):.3f} | "
        f"{more:.3f} | {threads:.3f} | {more - threads:.3f} | "
        f"{mean(r['machine'] for r in on):.3f} / {mean(r['machine'] for r in off):.3f} | "
        f"{steals} |"
    )
out.append("")
for (backend, scenario), (py_rps, py_p99) in PY_BASELINE.items():
    on = runs.get((backend, scenario, "on"))
    if on:
        rps = mean(r["rps"] for r in on)
        out.append(
            f"- `{scenario}` on {backend}, telemetry on: {rps:.0f} req/s = {rps / py_rps:.1f}x the Python "
            f"service's ~{py_rps} req/s (goal 10x); p99 {mean(r['p99'] for r in on):.1f} ms vs its ~{py_p99} ms "
            "(goal < 50 ms)."
        )
if ceiling:
    on = runs.get(("postgres", "new", "on"))
    if on:
        rps = mean(r["rps"] for r in on)
        out.append(
            f"- Ceiling: pgbench, {conns} clients over TCP, the minimal SQL of one chat as one transaction "
            f"(bench/chat.pgbench): {float(ceiling):.0f} tps. Our `new` on PostgreSQL (telemetry on): "
            f"{rps:.0f} req/s = **{rps / float(ceiling):.2f}** of the ceiling (goal 0.6)."
        )
if statements:
    out.append(
        f"- One `new` chat that adds a task makes **{statements}** statements on PostgreSQL "
        "(`log_statement=all`, a warmed-up connection; each is one round trip with sqlx's "
        "extended protocol):\n"
    )
    out.append("```")
    for line in open(statements_path):
        out.append(line.split("LOG:", 1)[-1].strip()[:160])
    out.append("```")
print("\n".join(out))
