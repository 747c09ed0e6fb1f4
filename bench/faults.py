"""Faults under load, as production runs (`make faults`): PostgreSQL, Redis, a Celery worker and
beat, gunicorn with two workers, and 8 clients posting appeals all the while. Each scenario
prints what the clients were told and what the database holds afterwards:

- kill:     a gunicorn worker killed with SIGKILL mid-stream. Every appeal whose 201 reached a
            client is stored exactly once, none is half-written (each has its submit event),
            and the audit chain verifies.
- redis:    Redis stopped for FAULT_REDIS_SECONDS (60). Intake keeps answering 201; when Redis
            returns, the queued work (analysis of each new appeal) catches up.
- postgres: PostgreSQL restarted (fast shutdown). Requests meanwhile fail cleanly (503 with a
            message, never a 500 or a hang) and the service recovers with no manual step.
- disk:     the embedded SQLite on a full disk (a 24 MB tmpfs, filled): a clear 503, nothing
            corrupted (integrity_check, audit_verify), and work resumes once space is freed.

Everything runs on private instances (a PostgreSQL cluster and a Redis server of its own on
free ports under a temporary folder), so the machine's own services are never touched. Needs
root (PostgreSQL runs as the `postgres` user; the disk scenario mounts a tmpfs).
`python bench/faults.py [kill redis postgres disk]`; figures also go to bench/results/faults.json.
"""

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
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import payloads  # noqa: E402
from run import GUNICORN, PYTHON, RESULTS, ROOT, BenchError, Server, free_port, run  # noqa: E402

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
CLIENTS = int(os.environ.get("FAULT_CLIENTS", "8"))
REDIS_SECONDS = float(os.environ.get("FAULT_REDIS_SECONDS", "60"))


# --- private services ------------------------------------------------------------------------
class Postgres:
    def __init__(self, folder: Path):
        self.data, self.port = folder / "pg", free_port()
        folder.chmod(0o755)
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        self._as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ]
        )
        self.start()

    def _as_postgres(self, cmd: list[str]) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", *cmd], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise BenchError(f"{cmd[0]}: {done.stderr[-800:]}")

    def _ctl(self, *args: str) -> None:
        self._as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-l",
                str(self.data / "log"),
                *args,
            ]
        )

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1", "start")

    def restart(self) -> None:
        self._ctl(
            "-m",
            "fast",
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
            "restart",
        )

    def stop(self) -> None:
        self._ctl("-m", "immediate", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


class Redis:
    def __init__(self, folder: Path):
        self.port, self.folder, self.proc = free_port(), folder, None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
                ).returncode
                == 0
            ):
                return
            time.sleep(0.1)
        raise BenchError("redis did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def environment(database_url: str, var: Path, broker: str = "") -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "LIANXIN_VAR_DIR": str(var),
            "SECRET_KEY": "faults-secret-key-not-for-production-0123456789abcdefghij",
            "PUBLIC_SUBMIT_RATE": "off",
            "PYTHONUNBUFFERED": "1",
            "CONN_MAX_AGE": "60",
        }
    )
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


def prepare(env: dict) -> list[bytes]:
    run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
    run([str(PYTHON), "manage.py", "createcachetable"], env, "createcachetable")
    catalogue = json.loads(
        run([str(PYTHON), str(BENCH / "catalogue.py")], env, "catalogue").strip().splitlines()[-1]
    )
    return payloads.build(catalogue["groups"], count=2000)


def query(env: dict, code: str):
    """Run Django code against the scenario's database; its last printed line, as JSON."""
    script = (
        "import django, json; django.setup()\n"
        "from lianxin.appeals.models import Appeal\n"
        "from lianxin.core.models import AuditEvent\n" + code
    )
    out = run(
        [str(PYTHON), "-c", script], {**env, "DJANGO_SETTINGS_MODULE": "lianxin.settings"}, "query"
    )
    return json.loads(out.strip().splitlines()[-1])


# --- load --------------------------------------------------------------------------------------
class Load:
    """CLIENTS threads posting appeals until stopped; every answer kept with its time."""

    def __init__(self, port: int, bodies: list[bytes]):
        self.port, self.bodies = port, bodies
        self.answers: list[tuple[float, int, str]] = []  # (time, status, tracking number/detail)
        self.lock, self.running = threading.Lock(), True
        self.threads = [threading.Thread(target=self._client, args=(i,)) for i in range(CLIENTS)]
        self.started = time.monotonic()
        for t in self.threads:
            t.start()

    def _client(self, index: int) -> None:
        n = index
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while self.running:
            body = self.bodies[n % len(self.bodies)]
            n += CLIENTS
            status, what = 0, ""
            try:
                conn.request(
                    "POST",
                    "/api/v1/appeals/",
                    body=body,
                    headers={"Content-Type": "application/json", "Accept-Language": "zh-hans"},
                )
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                data = json.loads(payload) if payload[:1] == b"{" else {}
                what = data.get("tracking_number") or data.get("detail", "")[:80]
            except (OSError, http.client.HTTPException, ValueError) as exc:
                what = type(exc).__name__
                conn.close()
                time.sleep(0.05)
            with self.lock:
                self.answers.append((time.monotonic() - self.started, status, what))

    def stop(self) -> None:
        self.running = False
        for t in self.threads:
            t.join()

    def acknowledged(self) -> list[str]:
        return [what for _t, status, what in self.answers if status == 201]

    def statuses(self, start: float = 0, end: float = 1e9) -> Counter:
        return Counter(status or "no answer" for t, status, _w in self.answers if start <= t < end)


def stored_check(env: dict, acknowledged: list[str]) -> dict:
    listing = json.dumps(acknowledged)
    return query(
        env,
        f"""
acked = json.loads({listing!r})
found = Appeal.objects.filter(tracking_number__in=acked)
submitted = set(AuditEvent.objects.filter(action='submit').values_list('object_id', flat=True))
ids = list(Appeal.objects.values_list('pk', flat=True))
print(json.dumps({{'acknowledged': len(acked), 'stored_of_acknowledged': found.count(),
  'distinct': len(set(acked)), 'appeals_in_database': len(ids),
  'without_submit_event': sum(1 for pk in ids if str(pk) not in submitted)}}))""",
    )


def audit_verified(env: dict) -> bool:
    done = subprocess.run(
        [str(PYTHON), "manage.py", "audit_verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode == 0


def workers_of(server: Server) -> list[int]:
    return loadgen.children_of(server.proc.pid)


# --- scenarios ---------------------------------------------------------------------------------
def scenario_kill(env, bodies, tmp) -> dict:
    server = Server("lianxin.wsgi:application", env, tmp / "gunicorn-kill.log", workers=2)
    server.wait_healthy()
    load = Load(server.port, bodies)
    time.sleep(4)
    victim = workers_of(server)[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic() - load.started
    time.sleep(6)
    load.stop()
    server.stop()
    result = stored_check(env, load.acknowledged())
    result.update(
        killed_worker_at_s=round(killed_at, 1),
        answers=dict(load.statuses()),
        audit_verifies=audit_verified(env),
    )
    result["ok"] = (
        result["stored_of_acknowledged"] == result["acknowledged"] == result["distinct"]
        and result["without_submit_event"] == 0
        and result["audit_verifies"]
    )
    return result


def scenario_redis(env, bodies, tmp, redis: Redis) -> dict:
    server = Server("lianxin.wsgi:application", env, tmp / "gunicorn-redis.log", workers=2)
    server.wait_healthy()
    celery = [
        subprocess.Popen(
            [str(PYTHON), "-m", "celery", "-A", "lianxin", *args],
            cwd=ROOT,
            env=env,
            stdout=(tmp / f"celery-{args[0]}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for args in (
            ["worker", "-c", "1", "-l", "warning"],
            ["beat", "-s", str(tmp / "beat-schedule"), "-l", "warning"],
        )
    ]
    try:
        load = Load(server.port, bodies)
        time.sleep(3)
        redis.stop()
        down_from = time.monotonic() - load.started
        time.sleep(REDIS_SECONDS)
        redis.start()
        down_to = time.monotonic() - load.started
        time.sleep(3)
        load.stop()
        during = load.statuses(down_from, down_to)
        # Catch-up: every appeal analysed (its duplicate fingerprint stored) by the one worker
        # (up to 15 minutes: analysis, not the outage, sets the pace).
        backlog_code = (
            "from lianxin.insight.models import DuplicateKey\n"
            "print(json.dumps(Appeal.objects.count() - "
            "DuplicateKey.objects.values('appeal').distinct().count()))"
        )
        started, backlog = time.monotonic(), query(env, backlog_code)
        first_backlog = backlog
        while backlog > 0 and time.monotonic() - started < 900:
            time.sleep(5)
            backlog = query(env, backlog_code)
        caught_up = round(time.monotonic() - started, 1) if backlog == 0 else None
    finally:
        server.stop()
        for proc in celery:
            proc.terminate()
            proc.wait(timeout=30)
    result = stored_check(env, load.acknowledged())
    result.update(
        redis_down_s=round(down_to - down_from, 1),
        answers_while_down=dict(during),
        not_analysed_when_redis_returned=first_backlog,
        not_analysed_after=backlog,
        caught_up_after_s=caught_up,
        audit_verifies=audit_verified(env),
    )
    result["ok"] = (
        set(during) == {201}
        and backlog == 0
        and result["audit_verifies"]
        and result["stored_of_acknowledged"] == result["acknowledged"]
    )
    return result


def scenario_postgres(env, bodies, tmp, pg: Postgres) -> dict:
    server = Server("lianxin.wsgi:application", env, tmp / "gunicorn-pg.log", workers=2)
    server.wait_healthy()
    load = Load(server.port, bodies)
    time.sleep(3)
    restart_from = time.monotonic() - load.started
    pg.restart()
    restart_to = time.monotonic() - load.started
    time.sleep(8)
    load.stop()
    server.stop()
    after = [t for t, status, _w in load.answers if status == 201 and t > restart_to]
    bad = [(s, w) for t, s, w in load.answers if s not in (201, 503) and t > restart_from]
    result = stored_check(env, load.acknowledged())
    result.update(
        restart_s=round(restart_to - restart_from, 1),
        answers_around_restart=dict(load.statuses(restart_from, restart_to + 2)),
        first_201_after_restart_s=round(after[0] - restart_to, 2) if after else None,
        other_failures=bad[:5],
        server_errors_500=sum(1 for s, _ in bad if s == 500),
        audit_verifies=audit_verified(env),
    )
    result["ok"] = (
        bool(after)
        and result["server_errors_500"] == 0
        and result["audit_verifies"]
        and result["stored_of_acknowledged"] == result["acknowledged"]
    )
    return result


def scenario_disk(tmp) -> dict:
    mount = tmp / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return {"ok": None, "skipped": f"cannot mount a tmpfs: {done.stderr.strip()}"}
    try:
        var = mount / "var"
        env = environment(f"sqlite:///{var / 'lianxin.sqlite3'}", var)
        bodies = prepare(env)
        server = Server("lianxin.wsgi:application", env, tmp / "gunicorn-disk.log", workers=2)
        server.wait_healthy()
        filler = mount / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
        load = Load(server.port, bodies)
        time.sleep(4)
        full = load.statuses()
        messages = {w for _t, s, w in load.answers if s == 503}
        filler.unlink()
        freed_at = time.monotonic() - load.started
        time.sleep(4)
        load.stop()
        server.stop()
        after = load.statuses(freed_at + 1)
        integrity = query(
            env,
            "from django.db import connection\n"
            "c = connection.cursor(); c.execute('PRAGMA integrity_check')\n"
            "print(json.dumps(c.fetchone()[0]))",
        )
        result = stored_check(env, load.acknowledged())
        result.update(
            answers_while_full=dict(full),
            message_while_full=sorted(messages)[:2],
            answers_after_freeing=dict(after),
            sqlite_integrity=integrity,
            audit_verifies=audit_verified(env),
        )
        result["ok"] = (
            set(full) <= {201, 503}
            and 503 in full
            and 201 in after
            and integrity == "ok"
            and result["audit_verifies"]
            and result["stored_of_acknowledged"] == result["acknowledged"]
        )
        return result
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def main() -> int:
    chosen = sys.argv[1:] or ["kill", "redis", "postgres", "disk"]
    if os.geteuid() != 0 or PG_BIN is None or not GUNICORN.exists():
        print("faults: needs root, PostgreSQL's server binaries and the project's .venv")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="lianxin-faults-"))
    results, pg, redis = {}, None, None
    try:
        if set(chosen) & {"kill", "redis", "postgres"}:
            pg, redis = Postgres(tmp), Redis(tmp)
            env = environment(pg.url, tmp / "var", broker=redis.url)
            bodies = prepare(env)
            for name in ("kill", "redis", "postgres"):
                if name in chosen:
                    print(f"=== {name} ===", flush=True)
                    results[name] = {
                        "kill": lambda: scenario_kill(env, bodies, tmp),
                        "redis": lambda: scenario_redis(env, bodies, tmp, redis),
                        "postgres": lambda: scenario_postgres(env, bodies, tmp, pg),
                    }[name]()
                    print(json.dumps(results[name], ensure_ascii=False, indent=1), flush=True)
        if "disk" in chosen:
            print("=== disk ===", flush=True)
            results["disk"] = scenario_disk(tmp)
            print(json.dumps(results["disk"], ensure_ascii=False, indent=1), flush=True)
    finally:
        if redis:
            redis.stop()
        if pg:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    failed = [name for name, r in results.items() if r.get("ok") is False]
    print("faults:", "all held" if not failed else f"NOT held: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
