"""Throughput of public appeal intake (POST /api/v1/appeals/) against its ceiling, a bare
insert of the same rows through the same server stack, on SQLite and on PostgreSQL.

`make bench` runs it. For each database: a fresh database, migrated, with the catalogue; then
gunicorn serving the project (intake) and the same gunicorn and Django stack with a bare-insert view (bench/ceiling_urls.py),
each loaded by the same closed-loop HTTP clients. Figures are printed and written to
bench/results/intake-<db>.json; the targets are reported, never asserted.

Knobs (environment): BENCH_SECONDS (20), BENCH_WARMUP (3), BENCH_CLIENTS (16),
BENCH_WORKERS / BENCH_THREADS (gunicorn, see GUNICORN below), BENCH_DBS ("sqlite,postgresql"),
BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/lianxin_bench), BENCH_PORTS (e.g. "8200-8299":
the servers' ports; any free port when unset; every benchmark here uses it)."""

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import payloads  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
GUNICORN = VENV_BIN / "gunicorn"
RESULTS = BENCH / "results"

SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
# Gunicorn workers: 2 sync workers, one per core. Chosen by running this benchmark (`make
# bench`) with BENCH_WORKERS=1, 2, 4 (and BENCH_THREADS for gthread) on this 2-core machine, whose cores the load generator (and PostgreSQL, and other users) share. The
# work is CPU-bound Python (~6-8 ms of CPU per intake, ~1.5-2.5 ms per bare insert) and every
# intake serialises on one lock (SQLite's write lock, taken by BEGIN IMMEDIATE; on PostgreSQL
# the audit chain head row, SELECT ... FOR UPDATE), so processes beyond the cores only get the
# lock holder preempted while the others wait: 4 sync workers (the Makefile's default for
# `make serve`) was the slowest intake on both databases (median 99 / 114 appeals/s on
# SQLite / PostgreSQL against 108 / 181 with 2). Threads (gthread 2x2) did not help reliably:
# one GIL per process. Sync workers close the connection after each answer, so the clients'
# keep-alive connections are reopened for every request, as without a keep-alive proxy.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/lianxin_bench")
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]
TARGET_RATIO = 0.50
TARGET_P99_MS = 100.0
PATH = "/api/v1/appeals/"
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Warning)\b.*")


class BenchError(Exception):
    """The benchmark itself could not run (not a missed target)."""


def free_port() -> int:
    """A free local port; from BENCH_PORTS ("8200-8299") when set, on a machine where each user
    of the benchmarks is given their own ports."""
    if spec := os.environ.get("BENCH_PORTS"):
        low, _, high = spec.partition("-")
        for port in range(int(low), int(high or low) + 1):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise BenchError(f"no free port in BENCH_PORTS={spec}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # A broker or Redis from the caller's shell would change what is measured.
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        {
            "DATABASE_URL": database_url,
            "LIANXIN_VAR_DIR": str(var_dir),
            "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdefghijklmnop",
            "DEBUG": "0",
            "PUBLIC_SUBMIT_RATE": "off",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run(cmd: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise BenchError(
            f"{what} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


# --- databases ----------------------------------------------------------------------------


def pg_admin(url: str):
    """A connection to the server's maintenance database, or None if it is not reachable."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    try:
        return psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(
            f"  note: PostgreSQL at {parts.hostname}:{parts.port or 5432} is not reachable "
            f"({str(exc).strip().splitlines()[0]}); skipping PostgreSQL."
        )
        return None


def pg_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def pg_recreate(admin, name: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop(admin, name: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def prepare_database(env: dict[str, str]) -> dict:
    t0 = time.perf_counter()
    run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
    run([str(PYTHON), "manage.py", "createcachetable"], env, "createcachetable")
    out = run([str(PYTHON), str(BENCH / "catalogue.py")], env, "catalogue")
    catalogue = json.loads(out.strip().splitlines()[-1])
    n = sum(len(v) for v in catalogue["groups"].values())
    print(
        f"  database ready in {time.perf_counter() - t0:.1f}s: migrated, cache table, "
        f"{n} categories in {len(catalogue['groups'])} groups"
    )
    return catalogue


def pg_scratch(url: str, prefix: str, fill, measure):
    """The common frame of the PostgreSQL benchmarks: create the database `url` names, migrate
    it, `fill(url)` it (which prints its own line), then return `measure()` run in this process
    with Django set up on that database. The database is dropped afterwards unless BENCH_KEEP is
    set. None (after a note) when no PostgreSQL server answers."""
    admin = pg_admin(url)
    if admin is None:
        return None
    name = pg_name(url)
    try:
        pg_recreate(admin, name)
        env = base_env(url, Path(tempfile.mkdtemp(prefix=prefix)) / "var")
        prepare_database(env)
        fill(url)
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "lianxin.settings"
        sys.path.insert(0, str(ROOT))
        return measure()
    finally:
        if not os.environ.get("BENCH_KEEP"):
            pg_drop(admin, name)


# --- gunicorn -----------------------------------------------------------------------------


class Server:
    def __init__(
        self,
        app: str,
        env: dict[str, str],
        log: Path,
        pythonpath: str | None = None,
        workers: int | None = None,
        threads: int | None = None,
    ):
        self.port = free_port()
        self.log = log
        self.workers = workers or WORKERS
        cmd = [
            str(GUNICORN),
            app,
            "--workers",
            str(self.workers),
            "--threads",
            str(threads or THREADS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
            "--no-control-socket",
            "--error-logfile",
            str(log),
            "--log-level",
            "warning",
        ]
        if pythonpath:
            cmd += ["--pythonpath", pythonpath]
        self.cmd = cmd
        # The app's own logging (console handler) goes to stderr: keep it with gunicorn's log.
        self.output = (log.parent / f"{log.stem}.out").open("w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT
        )

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/healthz"
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        # Every worker should be up before the clock starts.
                        if len(loadgen.children_of(self.proc.pid)) >= self.workers:
                            return
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.2)
        raise BenchError(f"gunicorn not healthy after {timeout:.0f}s ({last}):\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        lines = []
        for path in (self.log, self.log.parent / f"{self.log.stem}.out"):
            try:
                lines += path.read_text(errors="replace").splitlines()
            except OSError:
                pass
        return "\n".join(lines[-n:])

    def exceptions(self) -> Counter:
        """The final line of each traceback in the server's output, counted."""
        found: Counter = Counter()
        for line in self.log_tail(10**9).splitlines():
            if EXCEPTION_LINE.match(line):
                found[line.strip()] += 1
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.output.close()


def appeal_counter(url: str):
    """count(*) of the appeals table, read straight from the database (outside Django)."""
    if url.startswith("sqlite"):
        import sqlite3

        path = url.removeprefix("sqlite:///")

        def count() -> int:
            with sqlite3.connect(path, timeout=30) as conn:
                return conn.execute("SELECT count(*) FROM appeals_appeal").fetchone()[0]
    else:
        import psycopg

        dsn = urllib.parse.urlsplit(url)._replace(scheme="postgresql").geturl()

        def count() -> int:
            with psycopg.connect(dsn, connect_timeout=5) as conn:
                return conn.execute("SELECT count(*) FROM appeals_appeal").fetchone()[0]

    return count


def load(name: str, app: str, env, tmp: Path, bodies, pythonpath=None) -> loadgen.PhaseResult:
    server = Server(app, env, tmp / f"gunicorn-{name}.log", pythonpath)
    try:
        server.wait_healthy()
        result = loadgen.run_phase(
            host="127.0.0.1",
            port=server.port,
            path=PATH,
            bodies=bodies,
            clients=CLIENTS,
            warmup=WARMUP,
            seconds=SECONDS,
            server_pid=server.proc.pid,
            count_rows=appeal_counter(env["DATABASE_URL"]),
        )
    finally:
        server.stop()
    s = result.summary()
    print(
        f"  {name:<8} {s['appeals_per_s']:>7.1f} appeals/s  p50 {fmt(s['p50_ms'])} ms  "
        f"p99 {fmt(s['p99_ms'])} ms  errors {s['errors']}/{s['requests']}"
    )
    print(
        f"           rows committed {s['committed_per_s']}/s; all answers p50 "
        f"{s['all_answers_p50_ms']:.1f} ms p99 {s['all_answers_p99_ms']:.1f} ms; CPU: server "
        f"{s['server_cpu_ms_per_request'] or float('nan'):.2f} ms/request, load generator "
        f"{s['client_cpu_s'] / SECONDS:.2f} cores, rest of machine {s['other_cpu_cores']:.2f} cores"
    )
    for sample in s["error_samples"]:
        print(f"           error: {sample[:240]}")
    if result.errors:
        for line, n in server.exceptions().most_common(5):
            print(f"           server log: {n} x {line[:200]}")
    return result


def count_rows(env: dict[str, str]) -> dict:
    code = (
        "import django,json;django.setup();"
        "from lianxin.appeals.models import Appeal;from lianxin.core.models import AuditEvent;"
        "print(json.dumps({'appeals':Appeal.objects.count(),"
        "'audit_events':AuditEvent.objects.count()}))"
    )
    env = {**env, "DJANGO_SETTINGS_MODULE": "lianxin.settings"}
    return json.loads(run([str(PYTHON), "-c", code], env, "count rows").strip().splitlines()[-1])


# --- one database -------------------------------------------------------------------------


def fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1f}"


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bench_database(db: str) -> dict | None:
    print(f"\n=== {db} ===")
    tmp = Path(tempfile.mkdtemp(prefix=f"lianxin-bench-{db}-"))
    admin = None
    try:
        if db == "sqlite":
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        elif db == "postgresql":
            admin = pg_admin(PG_URL)
            if admin is None:
                return None
            url = PG_URL
            pg_recreate(admin, pg_name(url))
        else:
            raise BenchError(f"unknown database {db!r} (sqlite, postgresql)")
        print(f"  DATABASE_URL={url}")
        env = base_env(url, tmp / "var")
        catalogue = prepare_database(env)
        bodies = payloads.build(catalogue["groups"])
        intake = load("intake", "lianxin.wsgi:application", env, tmp, bodies)
        ceiling_env = {**env, "DJANGO_SETTINGS_MODULE": "ceiling_settings"}
        ceiling = load(
            "ceiling", "lianxin.wsgi:application", ceiling_env, tmp, bodies, pythonpath=str(BENCH)
        )
        rows = count_rows(env)
        ratio = intake.rate / ceiling.rate if ceiling.rate else 0.0
        p99 = intake.percentile(99)  # of successful intakes; NaN (a MISS) if there were none
        print(f"  ratio    intake/ceiling = {ratio:.1%} (successful appeals/s)")
        rows_ratio = None
        if intake.committed is not None and ceiling.committed:
            rows_ratio = intake.committed / ceiling.committed
            print(
                f"           rows committed, intake/ceiling = {rows_ratio:.1%} (work done, "
                "whatever the answers)"
            )
        print(
            f"  targets  intake >= {TARGET_RATIO:.0%} of the ceiling: {mark(ratio >= TARGET_RATIO)}"
            f"   intake p99 <= {TARGET_P99_MS:.0f} ms: {mark(p99 <= TARGET_P99_MS)}"
            f"   ({rows['appeals']} appeals, {rows['audit_events']} audit events written)"
        )
        figures = {
            "database": db,
            "engine_url": url.split("@")[-1] if db == "postgresql" else "sqlite (temp file)",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "gunicorn": {
                "workers": WORKERS,
                "threads": THREADS,
                "worker_class": "gthread" if THREADS > 1 else "sync",
            },
            "load": {
                "clients": CLIENTS,
                "warmup_s": WARMUP,
                "seconds": SECONDS,
                "path": PATH,
                "distinct_bodies": len(bodies),
            },
            "intake": intake.summary(),
            "ceiling": ceiling.summary(),
            "ratio": round(ratio, 4),
            "committed_rows_ratio": round(rows_ratio, 4) if rows_ratio is not None else None,
            "rows_written": rows,
            "targets": {
                "ratio_min": TARGET_RATIO,
                "ratio_met": ratio >= TARGET_RATIO,
                "p99_max_ms": TARGET_P99_MS,
                "p99_met": p99 <= TARGET_P99_MS,
            },
        }
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"intake-{db}.json"
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(f"  written  {out.relative_to(ROOT)}")
        return figures
    finally:
        if admin is not None:
            try:
                pg_drop(admin, pg_name(PG_URL))
            finally:
                admin.close()
        if os.environ.get("BENCH_KEEP"):
            print(f"  kept     {tmp} (BENCH_KEEP)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> int:
    started = time.perf_counter()
    cpus = os.cpu_count() or 1
    kind = f"{THREADS} threads each (gthread)" if THREADS > 1 else "sync"
    print("Lianxin intake benchmark: POST /api/v1/appeals/ vs a bare insert of the same rows")
    print(
        f"  {CLIENTS} closed-loop clients, {WARMUP:.0f}s warm-up + {SECONDS:.0f}s measured per "
        f"phase; gunicorn {WORKERS} workers, {kind}; PUBLIC_SUBMIT_RATE=off, DEBUG off"
    )
    print(
        f"  note: this machine has {cpus} CPU core(s); the load generator runs on them too, "
        "and so do PostgreSQL and anything else running (each phase prints the CPU of the "
        "load generator and of the rest of the machine). Absolute rates are lower than on a "
        "dedicated server, and noisy when the rest of the machine is busy; the ratio is the "
        "figure to compare."
    )
    results, failed = [], []
    for db in DBS:
        try:
            figures = bench_database(db)
        except BenchError as exc:
            print(f"  FAILED: {exc}")
            failed.append(db)
            continue
        if figures:
            results.append(figures)
    if results:
        print("\n=== summary ===")
        print(
            f"  {'database':<11}{'intake/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
            f"{'ceiling/s':>11}{'p99 ms':>9}{'ratio':>8}   targets (>=50 %, p99 <= 100 ms)"
        )
        for f in results:
            i, c = f["intake"], f["ceiling"]
            print(
                f"  {f['database']:<11}{i['appeals_per_s']:>10.1f}{fmt(i['p50_ms']):>9}"
                f"{fmt(i['p99_ms']):>9}{i['errors']:>8}{c['appeals_per_s']:>11.1f}"
                f"{fmt(c['p99_ms']):>9}{f['ratio']:>8.1%}   "
                f"{mark(f['targets']['ratio_met'])} / {mark(f['targets']['p99_met'])}"
            )
    print(f"\n  total time {time.perf_counter() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
