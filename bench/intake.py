"""Intake as `make run` serves it: appeals posted without a category to the server `make serve`
starts (gunicorn with its workers and access log, `run_schedule` beside it, the router
trained), against a bare Django view with no middleware inserting the same JSON, on SQLite and
on PostgreSQL; and how long each appeal waits for the router's suggestion, which no request
waits for (run_schedule finds the appeal in the database).

`make bench` runs it. For each database: a fresh database, migrated, with the demo catalogue,
`router_train --data data/teddy2020/train.csv --if-missing` as `make setup` runs it; then
`make serve` (the very recipe `make run` ends with) loaded by BENCH_CLIENTS closed-loop clients
for BENCH_SECONDS, the router's backlog drained, and the bare insert (bench/bare_settings.py)
loaded the same way with the same gunicorn workers. Figures are printed and written to
bench/results/intake-served-<db>.json; the targets (≥ 30 % of the bare insert, p99 ≤ 100 ms,
the suggestion within seconds) are reported, never asserted.

Knobs (environment): BENCH_SECONDS (10), BENCH_WARMUP (3), BENCH_CLIENTS (16), BENCH_DBS
("sqlite,postgresql"), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/lianxin_bench),
BENCH_KEEP (keep the temporary files and database), BENCH_PACED_RATE (20: appeals per second of the
second, steady load, whose suggestion delay shows the worker when it is not racing a
saturated server)."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import payloads  # noqa: E402
import run as harness  # noqa: E402

ROOT, PYTHON, GUNICORN, RESULTS = harness.ROOT, harness.PYTHON, harness.GUNICORN, harness.RESULTS
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/lianxin_bench")
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]
TARGET_RATIO = 0.30
TARGET_P99_MS = 100.0
TARGET_SUGGESTION_S = 5.0
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "20"))
DRAIN_SECONDS = 120.0
BenchError = harness.BenchError


# --- processes ----------------------------------------------------------------------------


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = loadgen.children_of(todo.pop())
        found += children
        todo += children
    return found


class Served:
    """`make serve` on a free port: exactly the processes `make run` leaves serving."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = harness.free_port()
        self.out = log.open("w")
        self.cmd = ["make", "--no-print-directory", "-o", ".venv/.runtime", "serve"]
        self.proc = subprocess.Popen(
            [*self.cmd, f"PORT={self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: make, its shell, gunicorn, schedule
        )
        self.log = log
        self.schedule_log = Path(env["LIANXIN_VAR_DIR"]) / "schedule.log"

    def find(self, word: str, *, parent_not: str = "") -> list[int]:
        """The Python processes running `word`. Not the shell of the recipe, whose command line
        names gunicorn too: taken for the gunicorn master, its children (run_schedule and the
        real master) were once counted as the server's CPU, and the workers not at all."""
        return [
            p
            for p in descendants(self.proc.pid)
            if word in _cmdline(p)
            and not _cmdline(p).startswith(SHELLS)
            and not (parent_not and parent_not in _python_cmdline(_ppid(p)))
        ]

    def wait_healthy(self, workers: int, timeout: float = 60.0) -> None:
        wait_healthy(self.port, self.proc, self.log, timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            masters = self.find("gunicorn", parent_not="gunicorn")
            if masters and len(loadgen.children_of(masters[0])) >= workers:
                # Measured once run_schedule has imported everything and started its
                # sweepers (its first line), not while it is still starting.
                if self.find("run_schedule") and self.schedule_log.exists():
                    if "run_schedule:" in self.schedule_log.read_text(errors="replace"):
                        return
            time.sleep(0.2)
        raise BenchError(f"make serve did not start its processes:\n{tail(self.log)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.out.close()


SHELLS = ("/bin/sh ", "sh ", "/bin/bash ", "bash ")


def _python_cmdline(pid: int) -> str:
    line = _cmdline(pid)
    return "" if line.startswith(SHELLS) else line


def _ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"server exited ({proc.returncode}):\n{tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise BenchError(f"server not healthy after {timeout:.0f}s:\n{tail(log)}")


def bare_server(env: dict[str, str], log: Path, workers: int) -> tuple[subprocess.Popen, int]:
    """The bare insert under gunicorn with the workers `make serve` gives the project."""
    port = harness.free_port()
    proc = subprocess.Popen(
        [
            str(GUNICORN),
            "lianxin.wsgi:application",
            "--pythonpath",
            str(BENCH),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bare_settings"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_healthy(port, proc, log, 60.0)
    deadline = time.monotonic() + 30
    while len(loadgen.children_of(proc.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    return proc, port


# --- measuring ----------------------------------------------------------------------------


def phase(port: int, bodies: list[bytes], url: str, server_pid: int) -> loadgen.PhaseResult:
    return loadgen.run_phase(
        host="127.0.0.1",
        port=port,
        path=harness.PATH,
        bodies=bodies,
        clients=CLIENTS,
        warmup=WARMUP,
        seconds=SECONDS,
        server_pid=server_pid,
        count_rows=harness.appeal_counter(url),
    )


ROUTING = """
import django, json, os; django.setup()
from datetime import datetime, UTC
from lianxin.appeals.models import Appeal
since = datetime.fromtimestamp(float(os.environ["BENCH_SINCE"]), UTC)
waiting = Appeal.objects.filter(category__isnull=True, routed_at__isnull=True, status="submitted")
delays = sorted(
    (routed - created).total_seconds()
    for created, routed in Appeal.objects.filter(routed_at__isnull=False, created_at__gte=since)
    .values_list("created_at", "routed_at")
)
print(json.dumps({"appeals": Appeal.objects.count(), "waiting": waiting.count(),
    "suggested": Appeal.objects.filter(suggested_category__isnull=False).count(),
    "dispatched": Appeal.objects.filter(status="dispatched").count(), "delays": delays}))
"""


def routing(env: dict[str, str], since: float = 0.0) -> dict:
    """What the router has done: appeals still waiting, and the delay from submit to the
    router's mark (routed_at) of each appeal created since `since` (a Unix time)."""
    env = {**env, "DJANGO_SETTINGS_MODULE": "lianxin.settings", "BENCH_SINCE": str(since)}
    return json.loads(harness.run([str(PYTHON), "-c", ROUTING], env, "routing").splitlines()[-1])


def drain(env: dict[str, str], since: float) -> tuple[dict, dict, float]:
    """The router's state when the load ends, and once it has caught up (or DRAIN_SECONDS)."""
    at_end = routed = routing(env, since)
    started = time.monotonic()
    while routed["waiting"] and time.monotonic() - started < DRAIN_SECONDS:
        time.sleep(0.5)
        routed = routing(env, since)
    return at_end, routed, time.monotonic() - started


def paced(port: int, bodies: list[bytes], rate: float, seconds: float) -> int:
    """Appeals at a steady `rate` per second (4 clients), as a hotline's day brings them
    rather than as fast as the server answers: how long the suggestion takes when the worker
    is not racing a saturated server. Returns how many were taken in."""
    clients, done = 4, []
    interval = clients / rate
    start = time.monotonic()

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n, ok = index, 0
        while (due := start + (n // clients) * interval + index / rate) < start + seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                conn.request(
                    "POST",
                    harness.PATH,
                    body=bodies[n % len(bodies)],
                    headers={"Content-Type": "application/json"},
                )
                response = conn.getresponse()
                response.read()
                ok += response.status == 201
            except (OSError, http.client.HTTPException):
                conn.close()
            n += clients
        done.append(ok)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done)


def delay_line(name: str, routed: dict) -> tuple[float | None, float | None]:
    delays = routed["delays"]
    p50, p99 = pct(delays, 50), pct(delays, 99)
    print(
        f"  {name:<8} {len(delays)} appeals seen by the router; delay from submit to its "
        f"suggestion: p50 {_s(p50)} s, p99 {_s(p99)} s, max {_s(delays[-1] if delays else None)} s"
    )
    return p50, p99


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return values[max(1, min(len(values), -(-len(values) * p // 100))) - 1]


def line(name: str, result: loadgen.PhaseResult) -> dict:
    s = result.summary()
    print(
        f"  {name:<8} {s['appeals_per_s']:>7.1f} appeals/s  p50 {harness.fmt(s['p50_ms'])} ms  "
        f"p99 {harness.fmt(s['p99_ms'])} ms  errors {s['errors']}/{s['requests']}  "
        f"(server {s['server_cpu_ms_per_request'] or float('nan'):.2f} ms CPU/request, "
        f"load generator {s['client_cpu_s'] / SECONDS:.2f} cores, "
        f"rest of machine {s['other_cpu_cores']:.2f} cores)"
    )
    for sample in s["error_samples"]:
        print(f"           error: {sample[:240]}")
    return s


def bench_database(db: str, bodies: list[bytes]) -> dict | None:
    print(f"\n=== {db} ===")
    tmp = Path(tempfile.mkdtemp(prefix=f"lianxin-intake-{db}-"))
    admin = None
    try:
        if db == "sqlite":
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        elif db == "postgresql":
            admin = harness.pg_admin(PG_URL)
            if admin is None:
                return None
            url = PG_URL
            harness.pg_recreate(admin, harness.pg_name(url))
        else:
            raise BenchError(f"unknown database {db!r} (sqlite, postgresql)")
        env = harness.base_env(url, tmp / "var")
        harness.prepare_database(env)
        started = time.perf_counter()
        # As `make setup` trains it (about a minute on a quiet machine; longer when shared).
        subprocess.run(
            [PYTHON, "manage.py", "router_train", "--data", "data/teddy2020/train.csv"]
            + ["--if-missing"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=True,
            timeout=1800,
        )
        print(f"  router trained in {time.perf_counter() - started:.0f}s (as `make setup`)")
        workers = int(subprocess.check_output(["nproc"]).strip() or 2)

        served = Served(env, tmp / "serve.log")
        try:
            served.wait_healthy(workers)
            master = served.find("gunicorn", parent_not="gunicorn")[0]
            schedule = served.find("run_schedule")
            cpu0 = loadgen._proc_cpu_seconds(schedule)
            intake = phase(served.port, bodies, url, master)
            schedule_cpu = loadgen._proc_cpu_seconds(schedule) - cpu0
            at_end, routed, drain_s = drain(env, 0.0)
            paced_from = time.time()
            paced_ok = paced(served.port, bodies, PACED_RATE, SECONDS)
            _, paced_routed, _ = drain(env, paced_from)
        finally:
            served.stop()
        s_intake = line("intake", intake)
        print(
            f"           run_schedule used {schedule_cpu / (WARMUP + SECONDS):.2f} cores "
            f"during the load; {at_end['waiting']} of {at_end['appeals']} appeals waited for "
            f"the router when it ended, {routed['waiting']} after {drain_s:.1f}s more "
            f"({routed['suggested']} with a suggestion, {routed['dispatched']} dispatched at once)"
        )
        delays = routed["delays"]
        p50, p99 = delay_line("suggest", routed)
        print(f"  paced    {paced_ok} appeals at {PACED_RATE:.0f}/s for {SECONDS:.0f}s, then:")
        paced_p50, paced_p99 = delay_line("suggest", paced_routed)

        bare_log = tmp / "bare.log"
        proc, port = bare_server(env, bare_log, workers)
        try:
            bare = phase(port, bodies, url, proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        s_bare = line("bare", bare)

        ratio = intake.rate / bare.rate if bare.rate else 0.0
        p99_ms = intake.percentile(99)
        ok = {
            "ratio": ratio >= TARGET_RATIO,
            "p99": p99_ms <= TARGET_P99_MS,
            "suggestion_under_full_load": p99 is not None and p99 <= TARGET_SUGGESTION_S,
            "suggestion_paced": paced_p99 is not None and paced_p99 <= TARGET_SUGGESTION_S,
        }
        print(
            f"  ratio    intake/bare = {ratio:.1%}   targets: >= {TARGET_RATIO:.0%} "
            f"{harness.mark(ok['ratio'])}, p99 <= {TARGET_P99_MS:.0f} ms "
            f"{harness.mark(ok['p99'])}, suggestion p99 <= {TARGET_SUGGESTION_S:.0f} s "
            f"{harness.mark(ok['suggestion_under_full_load'])} at full load, "
            f"{harness.mark(ok['suggestion_paced'])} paced"
        )
        figures = {
            "database": db,
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {**harness.machine(), "load_average": os.getloadavg()},
            "served_by": " ".join(served.cmd),
            "gunicorn_workers": workers,
            "load": {"clients": CLIENTS, "warmup_s": WARMUP, "seconds": SECONDS},
            "intake": s_intake,
            "bare": s_bare,
            "ratio": round(ratio, 4),
            "suggestion": {
                "routed": len(delays),
                "suggested": routed["suggested"],
                "dispatched": routed["dispatched"],
                "waiting_at_end_of_load": at_end["waiting"],
                "waiting_after_drain": routed["waiting"],
                "p50_s": p50,
                "p99_s": p99,
                "max_s": delays[-1] if delays else None,
                "paced": {
                    "rate": PACED_RATE,
                    "appeals": paced_ok,
                    "p50_s": paced_p50,
                    "p99_s": paced_p99,
                    "waiting_after_drain": paced_routed["waiting"],
                },
            },
            "run_schedule_cores": round(schedule_cpu / (WARMUP + SECONDS), 2),
            "targets_met": ok,
        }
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"intake-served-{db}.json"
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        return figures
    finally:
        if admin is not None:
            try:
                if not os.environ.get("BENCH_KEEP"):
                    harness.pg_drop(admin, harness.pg_name(PG_URL))
            finally:
                admin.close()
        if os.environ.get("BENCH_KEEP"):
            print(f"  kept     {tmp} (BENCH_KEEP)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    print("Lianxin intake as `make run` serves it: POST /api/v1/appeals/ without a category")
    print(
        f"  {CLIENTS} closed-loop clients, {WARMUP:.0f}s warm-up + {SECONDS:.0f}s measured; "
        "`make serve` (gunicorn, one worker per core, access log; run_schedule beside it); "
        "PUBLIC_SUBMIT_RATE=off (one address posts everything), DEBUG off, no broker"
    )
    load = os.getloadavg()
    print(
        f"  this machine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} "
        f"{load[2]:.1f} at the start (the load generator and the databases share the cores)"
    )
    bodies = payloads.build({})  # no category groups: every body leaves it to the router
    results, failed = [], []
    for db in DBS:
        try:
            figures = bench_database(db, bodies)
        except BenchError as exc:
            print(f"  FAILED: {exc}")
            failed.append(db)
            continue
        if figures:
            results.append(figures)
    if results:
        print("\n=== summary ===")
        print(
            f"  {'database':<11}{'intake/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'bare/s':>8}"
            f"{'ratio':>7}{'sugg. p50 s':>12}{'p99 s':>7}{'paced p50':>10}{'p99':>6}"
            "   load average"
        )
        for f in results:
            i, b, g = f["intake"], f["bare"], f["suggestion"]
            print(
                f"  {f['database']:<11}{i['appeals_per_s']:>9.1f}{harness.fmt(i['p50_ms']):>8}"
                f"{harness.fmt(i['p99_ms']):>8}{b['appeals_per_s']:>8.1f}{f['ratio']:>7.1%}"
                f"{g['p50_s'] if g['p50_s'] is not None else float('nan'):>12.2f}"
                f"{g['p99_s'] if g['p99_s'] is not None else float('nan'):>7.2f}"
                f"{_s(g['paced']['p50_s']):>10}{_s(g['paced']['p99_s']):>6}   "
                f"{f['machine']['load_average'][0]:.1f}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
