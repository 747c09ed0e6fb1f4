"""Audited transitions per second on PostgreSQL with 1, 2 and 4 writer processes, and the share
of the writers' time spent waiting for a lock.

Each writer process moves its own records (notifications, flipped between two states) through
`core.transitions.transition` — lock the row, change it, write the audit event, commit — as
fast as it can for BENCH_SECONDS. No two writers touch the same record, so any waiting between
them is on something they share: before the sealer, the audit chain's head row. Meanwhile the
parent samples `pg_stat_activity` every few milliseconds: the lock share is the fraction of
samples in which a writer's backend waits on a lock (wait_event_type = 'Lock'). When the code
has a sealer (`core.audit.audit_seal`), a sealer process runs beside the writers, once a second
(the schedule does it every 10 s); each run ends with `audit_verify` (which seals the rest), and
the time one sealer takes to catch up on a backlog of 20,000 events is measured.

`make bench` runs it on this checkout. To compare with an earlier version of the code, give a
checkout of it: BENCH_AUDIT_BEFORE=/path/to/checkout (e.g. `git worktree add --detach
/tmp/before a115b2f`); the same writers run on its code and its own database, and both are
printed side by side.

Knobs (environment): BENCH_SECONDS (10), BENCH_REPEAT (3, the median is shown),
BENCH_WRITERS ("1,2,4"), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/lianxin_bench_audit),
BENCH_AUDIT_BEFORE (unset)."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path(sys.executable)
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
WRITERS = [int(n) for n in os.environ.get("BENCH_WRITERS", "1,2,4").split(",") if n.strip()]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/lianxin_bench_audit")
BEFORE = os.environ.get("BENCH_AUDIT_BEFORE", "")
ROWS_PER_WRITER = 50
SAMPLE_EVERY = 0.005
APP_NAME = "lianxin-bench-writer"


# --- inside a writer, setup or sealer process (the code of the checkout given as --root) -------


def django_in(root: str) -> None:
    sys.path.insert(0, root)
    os.chdir(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    import django

    django.setup()


def setup_rows(writers: int) -> None:
    from django.contrib.auth import get_user_model

    from lianxin.core.models import Notification

    user, _created = get_user_model().objects.get_or_create(username="bench-writer")
    Notification.objects.all().delete()
    Notification.objects.bulk_create(
        Notification(channel="inapp", recipient=user, subject=f"{w}/{n}", body="bench")
        for w in range(writers)
        for n in range(ROWS_PER_WRITER)
    )


def wait_for_start() -> float:
    """Say ready, then wait for the parent's start time: Django's start-up under load must not
    eat into the measured window."""
    print("ready", flush=True)
    return float(sys.stdin.readline())


def writer(n: int, seconds: float) -> None:
    from django.db import connection

    from lianxin.core.models import Notification
    from lianxin.core.transitions import transition

    pks = list(
        Notification.objects.filter(subject__startswith=f"{n}/").values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SET application_name = '{APP_NAME}'")
    states = {"pending": "failed", "failed": "pending"}
    current = dict.fromkeys(pks, "pending")
    done = 0
    start = wait_for_start()
    time.sleep(max(0.0, start - time.time()))
    end = start + seconds
    while time.time() < end:
        pk = pks[done % len(pks)]
        to = states[current[pk]]
        transition(
            Notification,
            pk,
            action="bench_flip",
            actor=None,
            actor_label="system",
            allowed=[current[pk]],
            to=to,
            version_field=None,
        )
        current[pk] = to
        done += 1
    print(json.dumps({"done": done, "seconds": time.time() - start}))


def sealer(seconds: float) -> None:
    from lianxin.core.audit import audit_seal  # type: ignore[attr-defined]

    start = wait_for_start()
    time.sleep(max(0.0, start - time.time()))
    while time.time() < start + seconds:
        audit_seal()
        time.sleep(1.0)


def seal_backlog(events: int) -> None:
    """`events` written with no sealer running (as when the schedule was stopped), then the
    time one sealer takes to catch up."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from lianxin.core.audit import audit_record, audit_seal  # type: ignore[attr-defined]

    audit_seal()
    user = get_user_model().objects.get(username="bench-writer")
    for _batch in range(events // 100):
        with transaction.atomic():
            for _n in range(100):
                audit_record(action="bench_backlog", obj=user, actor_label="system")
    began = time.perf_counter()
    sealed = audit_seal()
    print(json.dumps({"sealed": sealed, "seconds": time.perf_counter() - began}))


# --- the parent -----------------------------------------------------------------------------


def env_for(url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        {
            "DATABASE_URL": url,
            "LIANXIN_VAR_DIR": str(var_dir),
            "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdefghijklmnop",
            "DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def child(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(PYTHON), str(Path(__file__).resolve()), "--root", str(root), *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], what: str) -> str:
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{out[-2000:]}\n{err[-3000:]}")
    return out


def fresh_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def has_sealer(root: Path) -> bool:
    return "def audit_seal" in (root / "lianxin" / "core" / "audit.py").read_text()


def one_run(root: Path, env: dict[str, str], url: str, writers: int) -> dict[str, float]:
    import psycopg

    finish(child(root, env, "--setup", str(writers)), "setup")
    procs = [child(root, env, "--writer", str(n), str(SECONDS)) for n in range(writers)]
    sealing = has_sealer(root)
    seal_proc = child(root, env, "--sealer", str(SECONDS)) if sealing else None
    started = [*procs, seal_proc] if seal_proc is not None else procs
    for proc in started:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    start = time.time() + 0.2
    for proc in started:
        assert proc.stdin is not None
        proc.stdin.write(f"{start}\n")
        proc.stdin.flush()
    waiting = present = 0
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        while time.time() < start:
            time.sleep(0.01)
        while time.time() < start + SECONDS:
            for (wait_type,) in db.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE application_name = %s",
                [APP_NAME],
            ).fetchall():
                present += 1
                waiting += wait_type == "Lock"
            time.sleep(SAMPLE_EVERY)
    results = [json.loads(finish(p, "writer").strip().splitlines()[-1]) for p in procs]
    if seal_proc is not None:
        finish(seal_proc, "sealer")
    row = {
        "per_second": sum(r["done"] for r in results) / SECONDS,
        "lock_share": waiting / present if present else 0.0,
    }
    verdict = subprocess.run(
        [str(PYTHON), "manage.py", "audit_verify"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if verdict.returncode != 0:
        raise SystemExit(f"audit_verify failed after the run:\n{verdict.stderr[-2000:]}")
    return row


def measure(label: str, root: Path, url: str) -> dict[int, dict[str, float]]:
    print(f"\n{label}: {root} (git {git_head(root)}), database {url.rsplit('/', 1)[-1]}")
    fresh_database(url)
    with tempfile.TemporaryDirectory(prefix="lianxin-bench-audit-") as tmp:
        env = env_for(url, Path(tmp))
        migrated = subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if migrated.returncode != 0:
            raise SystemExit(f"migrate failed:\n{migrated.stderr[-3000:]}")
        table: dict[int, dict[str, float]] = {}
        for writers in WRITERS:
            runs = [one_run(root, env, url, writers) for _ in range(REPEAT)]
            table[writers] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            t = table[writers]
            each = ", ".join(f"{r['per_second']:.0f}" for r in runs)
            print(
                f"  {writers} writer(s): {t['per_second']:7.0f} transitions/s, "
                f"lock wait {100 * t['lock_share']:4.1f} % "
                f"(runs: {each})"
            )
        if has_sealer(root):
            backlog = json.loads(finish(child(root, env, "--seal-backlog", "20000"), "backlog"))
            rate = backlog["sealed"] / backlog["seconds"]
            print(f"  one sealer catching up on {backlog['sealed']} events: {rate:.0f} events/s")
    return table


def git_head(root: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return out.stdout.strip() or "?"


def main() -> None:
    print(
        f"Audited transitions on PostgreSQL: {SECONDS:.0f} s per run, median of {REPEAT}; "
        f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    sides = []
    if BEFORE:
        sides.append(("before", Path(BEFORE).resolve(), PG_URL + "_before"))
    sides.append(("this checkout", ROOT, PG_URL))
    tables = {label: measure(label, root, url) for label, root, url in sides}
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    header = "| writers |"
    rule = "|---|"
    for label in tables:
        header += f" {label}: transitions/s | lock wait |"
        rule += "---|---|"
    print(header)
    print(rule)
    for writers in WRITERS:
        line = f"| {writers} |"
        for table in tables.values():
            t = table[writers]
            line += f" {t['per_second']:.0f} | {100 * t['lock_share']:.1f} % |"
        print(line)


if __name__ == "__main__":
    if "--root" in sys.argv:
        i = sys.argv.index("--root")
        django_in(sys.argv[i + 1])
        mode, *rest = sys.argv[i + 2 :]
        if mode == "--setup":
            setup_rows(int(rest[0]))
        elif mode == "--writer":
            writer(int(rest[0]), float(rest[1]))
        elif mode == "--sealer":
            sealer(float(rest[0]))
        elif mode == "--seal-backlog":
            seal_backlog(int(rest[0]))
    else:
        main()
