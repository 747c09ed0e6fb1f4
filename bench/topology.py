"""The multi-node topology of docs/topology.md, run on this machine, loaded, and one app node
killed mid-load (`make bench-topology`; needs root for apt-get, nginx and PgBouncer).

    clients ─► nginx :8100 ─► gunicorn node A :8101 ┐
                         └──► gunicorn node B :8102 ┴─► PgBouncer :6433 (transaction pool)
                                                         └─► PostgreSQL :5432 lianxin_topo
    Redis db 4 ◄─ one Celery worker (queues celery, intake, notify, audit, periodic) + beat

Citizens post appeals, each with its own Idempotency-Key, retrying with the same key after a
connection error or a 502/503/504, as a real client would. Pairs of clerks race to accept the
same dispatched appeal. At TOPOLOGY_KILL_AT seconds node A is killed with SIGKILL (master and
workers: the machine is gone). Afterwards the database is asked: every acknowledged appeal is
stored exactly once under its key, and none twice; every race has exactly one accept in the
audit log; the Celery sealer has sealed every event and `audit_verify` proves the chain.

Knobs (environment): TOPOLOGY_PG_URL (postgres://postgres@127.0.0.1:5432/lianxin_topo),
TOPOLOGY_REDIS_URL (redis://127.0.0.1:6379/4), TOPOLOGY_SECONDS (20), TOPOLOGY_KILL_AT (7),
TOPOLOGY_CLIENTS (12), TOPOLOGY_RACERS (2 pairs), TOPOLOGY_PORT (8100: nginx; nodes on the
next two), TOPOLOGY_PGBOUNCER_PORT (6433), TOPOLOGY_FRESH (1: a new database). The figures also go to bench/results/topology.json.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import payloads  # noqa: E402
from run import GUNICORN, PYTHON, RESULTS, ROOT, BenchError, run  # noqa: E402

PG_URL = os.environ.get("TOPOLOGY_PG_URL", "postgres://postgres@127.0.0.1:5432/lianxin_topo")
REDIS_URL = os.environ.get("TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/4")
SECONDS = float(os.environ.get("TOPOLOGY_SECONDS", "20"))
KILL_AT = float(os.environ.get("TOPOLOGY_KILL_AT", "7"))
CLIENTS = int(os.environ.get("TOPOLOGY_CLIENTS", "12"))
RACERS = int(os.environ.get("TOPOLOGY_RACERS", "2"))
NGINX_PORT = int(os.environ.get("TOPOLOGY_PORT", "8100"))
NODE_PORTS = (NGINX_PORT + 1, NGINX_PORT + 2)
PGBOUNCER_PORT = int(os.environ.get("TOPOLOGY_PGBOUNCER_PORT", "6433"))
VAR = ROOT / "var" / "topology"
FRESH = os.environ.get("TOPOLOGY_FRESH", "") not in ("", "0")
WORKERS_PER_NODE = 2
QUEUES = "celery,intake,notify,audit,periodic"
# A client gives an appeal this long (retrying with the same key) before it gives up.
CLIENT_PATIENCE_S = 30.0
RETRY_STATUSES = (502, 503, 504)
DEMO_PASSWORD = "lianxin-demo"  # noqa: S105 - the demo's, printed by load_demo
UNIT = "vet"  # the department whose handler races to accept


def wait_port(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise BenchError(f"{what} did not listen on {port}")


def ensure_packages() -> None:
    missing = [p for p in ("nginx", "pgbouncer") if not shutil.which(p, path="/usr/sbin:/usr/bin")]
    if missing:
        print(f"installing {' '.join(missing)} with apt-get …", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)


# --- the database ------------------------------------------------------------------------------
def prepare_database(env: dict) -> None:
    """lianxin_topo created if missing, migrated, with the demo district (kept between runs:
    every check below is on this run's own keys and appeals)."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(PG_URL)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if FRESH:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # UTC as Django wants it: otherwise every new connection sends SET TIME ZONE, session
        # state that transaction pooling would not keep.
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET timezone TO 'UTC'").format(sql.Identifier(name))
        )
    t0 = time.monotonic()
    run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
    run([str(PYTHON), "manage.py", "createcachetable"], env, "createcachetable")
    if not query(env, "print(json.dumps(User.objects.filter(username='dispatcher').exists()))"):
        run([str(PYTHON), "manage.py", "load_demo"], env, "load_demo")
    print(f"database {name}: migrated, demo loaded ({time.monotonic() - t0:.0f} s)", flush=True)


def query(env: dict, code: str):
    """Django code run against the database (directly, not through the pool); its last
    printed line, as JSON."""
    script = (
        "import django, json; django.setup()\n"
        "from django.contrib.auth import get_user_model; User = get_user_model()\n"
        "from lianxin.appeals.models import Appeal\n"
        "from lianxin.core.models import AuditEvent, Unit\n" + code
    )
    out = run(
        [str(PYTHON), "-c", script], {**env, "DJANGO_SETTINGS_MODULE": "lianxin.settings"}, "query"
    )
    return json.loads(out.strip().splitlines()[-1])


# --- the processes -----------------------------------------------------------------------------
class Topology:
    def __init__(self, tmp: Path, direct_env: dict):
        self.tmp, self.procs, self.nodes = tmp, [], []
        self.env = {
            **direct_env,
            "DATABASE_URL": urllib.parse.urlsplit(PG_URL)
            ._replace(netloc=f"postgres@127.0.0.1:{PGBOUNCER_PORT}")
            .geturl(),
            "DATABASE_TRANSACTION_POOLING": "1",
            "CELERY_BROKER_URL": REDIS_URL,
            "LIANXIN_CELERY_QUEUES": "1",
            "NUM_PROXIES": "1",  # nginx sets X-Forwarded-For
        }

    def _start(self, name: str, cmd: list[str], env: dict | None = None, **kw) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        # Own session: killing a node kills its master and its workers, as a lost machine would.
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kw,
        )
        self.procs.append((name, proc))
        return proc

    def start(self) -> None:
        self._pgbouncer()
        for port in NODE_PORTS:
            self.nodes.append(
                self._start(
                    f"node-{port}",
                    [
                        str(GUNICORN),
                        "lianxin.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        str(WORKERS_PER_NODE),
                        "--timeout",
                        "30",
                        "--access-logfile",
                        "-",
                        "--logger-class",
                        "lianxin.deploy.gunicorn_logging.PrivateAccessLogger",
                    ],
                )
            )
        celery = [str(PYTHON), "-m", "celery", "-A", "lianxin"]
        self._start("celery-worker", [*celery, "worker", "-Q", QUEUES, "-c", "2", "-l", "warning"])
        self._start(
            "celery-beat", [*celery, "beat", "-s", str(self.tmp / "beat-schedule"), "-l", "warning"]
        )
        self._nginx()
        for port in NODE_PORTS:
            wait_port(port, f"gunicorn on {port}", 60)
        wait_port(NGINX_PORT, "nginx")

    def _pgbouncer(self) -> None:
        parts = urllib.parse.urlsplit(PG_URL)
        folder = self.tmp / "pgbouncer"
        folder.mkdir()
        (folder / "userlist.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(
            f"""[databases]
{parts.path.lstrip("/")} = host={parts.hostname} port={parts.port or 5432} dbname={parts.path.lstrip("/")}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PGBOUNCER_PORT}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
; two nodes x two workers, the Celery worker and beat hold client connections; the server
; connections are what PostgreSQL sees: few, whatever the number of app processes
max_client_conn = 200
default_pool_size = 8
reserve_pool_size = 2
ignore_startup_parameters = extra_float_digits
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
"""
        )
        shutil.chown(folder, "postgres", "postgres")
        for f in folder.iterdir():
            shutil.chown(f, "postgres", "postgres")
        # PgBouncer refuses to run as root.
        self._start(
            "pgbouncer",
            ["runuser", "-u", "postgres", "--", "pgbouncer", str(folder / "pgbouncer.ini")],
        )
        wait_port(PGBOUNCER_PORT, "pgbouncer")

    def _nginx(self) -> None:
        folder = self.tmp / "nginx"
        folder.mkdir()
        upstream = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in NODE_PORTS
        )
        (folder / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    log_format upstreams '$status $request_method $upstream_addr $upstream_status';
    access_log {folder}/access.log upstreams;
    client_max_body_size 60m;
    upstream lianxin {{
{upstream}
    }}
    server {{
        listen 127.0.0.1:{NGINX_PORT};
        location / {{
            proxy_pass http://lianxin;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A request that never reached a node (connection refused: the node is down) goes
            # to the other, POST included. One that reached a node which then died is retried
            # only if idempotent (GET): nginx cannot know whether a POST committed. The client
            # retries those with its Idempotency-Key, which makes the repeat safe.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
        )
        self._start("nginx", ["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder)])

    def kill_node(self, index: int) -> None:
        os.killpg(self.nodes[index].pid, signal.SIGKILL)

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=20)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait()


# --- the clients -------------------------------------------------------------------------------
class Http:
    """One client's keep-alive connection to nginx; JSON in and out."""

    def __init__(self, token: str = ""):
        self.token, self.conn = token, None

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", NGINX_PORT, timeout=30)
        h = {"Accept-Language": "zh-hans", **(headers or {})}
        if body is not None:
            h["Content-Type"] = "application/json"
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
        if self.token:
            h["Authorization"] = f"Token {self.token}"
        try:
            self.conn.request(method, path, body=body, headers=h)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        data = json.loads(payload) if payload[:1] == b"{" else {}
        return response.status, data

    def call_retrying(self, method: str, path: str, body=None, headers=None):
        """Repeat the same request after a connection error or a 502/503/504 until answered
        (or out of patience): (status, data, attempts, errors seen)."""
        started, attempts, seen = time.monotonic(), 0, []
        while True:
            attempts += 1
            try:
                status, data = self.call(method, path, body, headers)
                if status not in RETRY_STATUSES:
                    return status, data, attempts, seen
                seen.append(str(status))
            except (OSError, http.client.HTTPException) as exc:
                seen.append(type(exc).__name__)
            if time.monotonic() - started > CLIENT_PATIENCE_S:
                return 0, {}, attempts, seen
            time.sleep(min(0.1 * attempts, 1.0))


class Load:
    def __init__(self, bodies: list[bytes], run_id: str, tokens: dict, unit_id: int):
        self.bodies, self.run_id, self.tokens, self.unit_id = bodies, run_id, tokens, unit_id
        self.lock, self.running, self.started = threading.Lock(), True, time.monotonic()
        self.appeals: list[dict] = []  # one per appeal a citizen tried to submit
        self.races: list[dict] = []
        self.threads = [threading.Thread(target=self._citizen, args=(i,)) for i in range(CLIENTS)]
        self.threads += [threading.Thread(target=self._race, args=(i,)) for i in range(RACERS)]
        for t in self.threads:
            t.start()

    def now(self) -> float:
        return time.monotonic() - self.started

    def submit(self, client: Http, key: str, body: bytes) -> dict:
        at = self.now()
        status, data, attempts, seen = client.call_retrying(
            "POST", "/api/v1/appeals/", body, {"Idempotency-Key": key}
        )
        return {
            "key": key,
            "at": round(at, 2),
            "status": status,
            "tracking_number": data.get("tracking_number") if status in (200, 201) else None,
            "attempts": attempts,
            "errors": seen,
        }

    def _citizen(self, index: int) -> None:
        client, n = Http(), index
        while self.running:
            key = f"topo-{self.run_id}-{index}-{n}"
            result = self.submit(client, key, self.bodies[n % len(self.bodies)])
            n += CLIENTS
            with self.lock:
                self.appeals.append(result)

    def _race(self, index: int) -> None:
        """Submit an appeal, dispatch it to the unit, then two clerks accept it at once."""
        citizen, dispatcher = Http(), Http(self.tokens["dispatcher"])
        n = 0
        while self.running:
            key = f"topo-{self.run_id}-race{index}-{n}"
            n += 1
            # Without a category, so that nothing dispatches it before the dispatcher does.
            body = json.loads(self.bodies[(index * 7919 + n) % len(self.bodies)])
            submitted = self.submit(citizen, key, json.dumps({**body, "category": ""}).encode())
            with self.lock:
                self.appeals.append(submitted)
            number = submitted["tracking_number"]
            if not number:
                continue
            path = f"/api/v1/appeals/{number}/"
            status, detail, _a, _s = dispatcher.call_retrying("GET", path)
            if status != 200:
                continue
            status, detail, _a, _s = dispatcher.call_retrying(
                "POST",
                path + "dispatch/",
                {"unit": self.unit_id, "version": detail["version"]},
            )
            if status == 409:
                # Our own earlier attempt may have committed before its answer was lost.
                status, detail, _a, _s = dispatcher.call_retrying("GET", path)
            if status != 200 or detail.get("status") != "dispatched":
                continue
            if detail.get("unit") not in (self.unit_id, self.tokens["unit_name"]):
                continue
            version, answers = detail["version"], [None, None]
            barrier = threading.Barrier(2)

            def accept(slot: int, number=number, version=version, answers=answers, barrier=barrier):
                clerk = Http(self.tokens["handler"])
                barrier.wait()
                status, _d, attempts, seen = clerk.call_retrying(
                    "POST", f"/api/v1/appeals/{number}/accept/", {"version": version}
                )
                answers[slot] = {"status": status, "attempts": attempts, "errors": seen}

            clerks = [threading.Thread(target=accept, args=(s,)) for s in (0, 1)]
            for c in clerks:
                c.start()
            for c in clerks:
                c.join()
            with self.lock:
                self.races.append(
                    {"tracking_number": number, "at": round(self.now(), 2), "answers": answers}
                )

    def stop(self) -> None:
        self.running = False
        for t in self.threads:
            t.join()


# --- the checks --------------------------------------------------------------------------------
def check(env: dict, load: Load) -> dict:
    acked = {a["key"]: a["tracking_number"] for a in load.appeals if a["tracking_number"]}
    stored = query(
        env,
        f"""
rows = list(Appeal.objects.filter(idempotency_key__startswith='topo-{load.run_id}-')
            .values_list('idempotency_key', 'tracking_number', 'pk'))
print(json.dumps(rows))""",
    )
    by_key: dict[str, list[str]] = {}
    for key, number, _pk in stored:
        by_key.setdefault(key, []).append(number)
    raced = [r["tracking_number"] for r in load.races]
    accepts = query(
        env,
        f"""
raced = json.loads({json.dumps(raced)!r})
ids = dict(Appeal.objects.filter(tracking_number__in=raced).values_list('pk', 'tracking_number'))
events = AuditEvent.objects.filter(action='accept', object_id__in=[str(pk) for pk in ids])
counts = {{n: 0 for n in raced}}
for object_id in events.values_list('object_id', flat=True):
    counts[ids[int(object_id)]] += 1
submits = set(AuditEvent.objects.filter(action='submit').values_list('object_id', flat=True))
mine = Appeal.objects.filter(idempotency_key__startswith='topo-{load.run_id}-')
print(json.dumps({{'accepts': counts,
  'without_submit_event': sum(1 for pk in mine.values_list('pk', flat=True) if str(pk) not in submits)}}))""",
    )
    race_outcomes = Counter()
    for race in load.races:
        wins = sum(1 for a in race["answers"] if a and a["status"] == 200)
        conflicts = sum(1 for a in race["answers"] if a and a["status"] == 409)
        events = accepts["accepts"].get(race["tracking_number"], 0)
        if events != 1 or wins > 1:
            race_outcomes["WRONG: not decided once"] += 1
        elif wins == 1 and conflicts == 1:
            race_outcomes["one 200, one 409"] += 1
        else:
            # A winner's answer lost with the node: it retried and was told 409 (already
            # accepted, by itself). The database shows the one accept.
            race_outcomes["answer lost in the kill, one accept stored"] += 1
    return {
        "acknowledged": len(acked),
        "acknowledged_stored_once_with_its_number": sum(
            1 for k, n in acked.items() if by_key.get(k) == [n]
        ),
        "acknowledged_missing": sum(1 for k in acked if k not in by_key),
        "keys_stored_twice": sum(1 for v in by_key.values() if len(v) > 1),
        "stored_but_never_acknowledged": sum(1 for k in by_key if k not in acked),
        "without_submit_event": accepts["without_submit_event"],
        "races": len(load.races),
        "race_outcomes": dict(race_outcomes),
    }


def audit_sealed_and_verified(env: dict) -> dict:
    """Wait for the Celery sealer (beat, queue `audit`) to seal everything, then verify the
    chain without sealing anything itself."""
    started, unsealed = time.monotonic(), None
    while time.monotonic() - started < 60:
        unsealed = query(
            env, "print(json.dumps(AuditEvent.objects.filter(seq__isnull=True).count()))"
        )
        if unsealed == 0:
            break
        time.sleep(2)
    done = subprocess.run(
        [str(PYTHON), "manage.py", "audit_verify", "--no-seal"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return {
        "sealed_by_celery_within_s": round(time.monotonic() - started, 1)
        if unsealed == 0
        else None,
        "audit_verify": (done.stdout + done.stderr).strip().splitlines()[-1],
        "audit_verify_ok": done.returncode == 0,
    }


def nginx_figures(tmp: Path) -> dict:
    lines = (tmp / "nginx" / "access.log").read_text().splitlines()
    statuses = Counter(line.split()[0] for line in lines)
    # "$upstream_addr" lists every node tried: two entries, nginx passed the request on.
    passed_on = sum(1 for line in lines if "," in line)
    return {"requests": len(lines), "statuses": dict(statuses), "passed_to_other_node": passed_on}


def windows(load: Load, killed_at: float) -> dict:
    out = {}
    for name, lo, hi in (
        ("started before the kill", 0, killed_at),
        ("started 0-2 s after it", killed_at, killed_at + 2),
        ("started later", killed_at + 2, 1e9),
    ):
        rows = [a for a in load.appeals if lo <= a["at"] < hi]
        span = min(hi, load.now()) - lo
        out[name] = {
            "appeals": len(rows),
            "per_s": round(len(rows) / span, 1) if span > 0 else None,
            "retried": sum(1 for a in rows if a["attempts"] > 1),
            "errors_seen": dict(Counter(e for a in rows for e in a["errors"])),
        }
    return out


def main() -> int:
    if os.geteuid() != 0 or not GUNICORN.exists():
        print(
            "topology: needs root (apt-get, nginx, PgBouncer as postgres) and the project's .venv"
        )
        return 2
    ensure_packages()
    tmp = Path(tempfile.mkdtemp(prefix="lianxin-topology-"))
    tmp.chmod(0o755)
    VAR.mkdir(parents=True, exist_ok=True)
    direct_env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_REPLICA_URL")
    }
    direct_env.update(
        {
            "DATABASE_URL": PG_URL,
            # Kept between runs, shared by every process as production shares its keys (env or
            # a common volume): the audit log's key is there, and the database is kept too.
            "LIANXIN_VAR_DIR": str(VAR),
            "SECRET_KEY": "topology-secret-key-not-for-production-0123456789abcdefghij",
            "DEBUG": "0",
            "PUBLIC_SUBMIT_RATE": "off",
            "PYTHONUNBUFFERED": "1",
        }
    )
    prepare_database(direct_env)
    groups = json.loads(
        run([str(PYTHON), str(BENCH / "catalogue.py")], direct_env, "catalogue")
        .strip()
        .splitlines()[-1]
    )["groups"]
    bodies = payloads.build(groups, count=2000)
    unit_id, unit_name = query(
        direct_env, f"u = Unit.objects.get(code='{UNIT}'); print(json.dumps([u.pk, u.name]))"
    )
    topology = Topology(tmp, direct_env)
    result: dict = {}
    try:
        topology.start()
        tokens = {"unit_name": unit_name}
        for role, username in (("dispatcher", "dispatcher"), ("handler", f"handler-{UNIT}")):
            status, data = Http().call(
                "POST", "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}
            )
            if status != 200:
                raise BenchError(f"token for {username}: {status} {data}")
            tokens[role] = data["token"]
        run_id = uuid.uuid4().hex[:8]
        print(
            f"serving: nginx :{NGINX_PORT} → nodes :{NODE_PORTS[0]}, :{NODE_PORTS[1]} "
            f"({WORKERS_PER_NODE} workers each) → PgBouncer :{PGBOUNCER_PORT} → PostgreSQL; "
            f"Celery on {REDIS_URL}. Load: {CLIENTS} citizens, {RACERS} racing pairs, "
            f"{SECONDS:.0f} s; node :{NODE_PORTS[0]} killed at {KILL_AT:.0f} s (run {run_id})",
            flush=True,
        )
        load = Load(bodies, run_id, tokens, unit_id)
        time.sleep(KILL_AT)
        killed_at = load.now()
        topology.kill_node(0)
        time.sleep(max(0.0, SECONDS - KILL_AT))
        load.stop()
        result = {
            "run": run_id,
            "killed_node_at_s": round(killed_at, 1),
            "load_s": round(load.now(), 1),
            "answers": dict(Counter(a["status"] or "gave up" for a in load.appeals)),
            "by_phase": windows(load, killed_at),
            "nginx": nginx_figures(tmp),
            **check(direct_env, load),
        }
        result.update(audit_sealed_and_verified(direct_env))
    finally:
        topology.stop()
        if not os.environ.get("TOPOLOGY_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    result["ok"] = (
        result["acknowledged"] > 0
        and result["acknowledged_stored_once_with_its_number"] == result["acknowledged"]
        and result["keys_stored_twice"] == 0
        and result["without_submit_event"] == 0
        and result["races"] > 0
        and "WRONG: not decided once" not in result["race_outcomes"]
        and result["audit_verify_ok"]
    )
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print(
        f"\ntopology: {result['acknowledged']} appeals acknowledged, "
        f"{result['acknowledged_stored_once_with_its_number']} stored exactly once "
        f"({result['acknowledged_missing']} missing, {result['keys_stored_twice']} duplicated); "
        f"{result['races']} accept races, {result['race_outcomes']}; "
        f"{result['audit_verify']} — {'HELD' if result['ok'] else 'NOT HELD'}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "topology.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
