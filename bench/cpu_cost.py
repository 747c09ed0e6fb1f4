"""CPU seconds per request of each type, counted on the server's own processes (`make bench-cpu`),
for the capacity model in docs/capacity.md.

The server is gunicorn as `make run` starts it (2 sync workers) on PostgreSQL (the topology's
database, lianxin_topo, with the demo district and the category router trained). For each
request type, N requests are made by 2 client threads, and the utime + stime of the gunicorn
processes and of the PostgreSQL backends serving the database are read from /proc before and
after. The work intake leaves behind (routing and the router's suggestion, duplicates, areas,
notifications: `core.queue.work_pending`, as run_schedule or a Celery worker runs it; then the
roll-ups and the audit sealer) is done afterwards by one warmed-up background process, timed
with getrusage, its backend's CPU counted too. CPU time counts only what these processes ran,
so the figures hold even when other users load the machine (their wall-clock latency does not).

Knobs: CPU_N (200 requests per type), CPU_PG_URL (as TOPOLOGY_PG_URL), CPU_PORT (8110).
Prints a table; the figures also go to bench/results/cpu_cost.json.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import payloads  # noqa: E402
import topology  # noqa: E402
from run import GUNICORN, PYTHON, RESULTS, ROOT, BenchError, run  # noqa: E402

N = int(os.environ.get("CPU_N", "200"))
PG_URL = os.environ.get("CPU_PG_URL", topology.PG_URL)
PORT = int(os.environ.get("CPU_PORT", "8110"))
CLIENTS = 2
PASSWORD = topology.DEMO_PASSWORD


class Client:
    def __init__(self, token: str = "", cookies: dict | None = None):
        self.token, self.cookies, self.conn = token, dict(cookies or {}), None

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes, dict]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        h = {"Accept-Language": "zh-hans", **(headers or {})}
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.token:
            h["Authorization"] = f"Token {self.token}"
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=h)
        response = self.conn.getresponse()
        payload = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        # Sync workers close after each answer.
        self.conn.close()
        self.conn = None
        return response.status, payload, dict(response.getheaders())


def signed_in(username: str) -> dict:
    """Session cookies of a demo person, through the sign-in page as a browser does."""
    c = Client()
    _s, page, _h = c.call("GET", "/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    status, _p, _h = c.call(
        "POST", "/login/", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 302 or "sessionid" not in c.cookies:
        raise BenchError(f"sign-in of {username}: {status}")
    return c.cookies


def api_token(username: str) -> str:
    status, payload, _h = Client().call(
        "POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD}
    )
    if status != 200:
        raise BenchError(f"token of {username}: {status} {payload[:200]!r}")
    return json.loads(payload)["token"]


# --- whose CPU --------------------------------------------------------------------------------
class Meter:
    """CPU seconds so far of the app processes, the background process and the database's
    backends."""

    def __init__(self, gunicorn: subprocess.Popen, background: subprocess.Popen, db_name: str):
        import psycopg

        self.gunicorn, self.background, self.db_name = gunicorn, background, db_name
        parts = urllib.parse.urlsplit(PG_URL)
        self.admin = psycopg.connect(
            parts._replace(scheme="postgresql", path="/postgres").geturl(), autocommit=True
        )

    def backends(self) -> list[int]:
        rows = self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db_name]
        ).fetchall()
        return [r[0] for r in rows]

    def read(self) -> dict:
        app = [self.gunicorn.pid, *loadgen.children_of(self.gunicorn.pid)]
        backends = self.backends()
        return {
            "app": loadgen._proc_cpu_seconds(app),
            "background": loadgen._proc_cpu_seconds([self.background.pid]),
            "db_pids": {pid: loadgen._proc_cpu_seconds([pid]) for pid in backends},
            "t": time.monotonic(),
        }

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        # A backend opened during the phase counts whole; one closed during it is lost (rare:
        # connections live CONN_MAX_AGE = 60 s).
        db = sum(cpu - before["db_pids"].get(pid, 0.0) for pid, cpu in after["db_pids"].items())
        return {
            "app": after["app"] - before["app"],
            "background": after["background"] - before["background"],
            "db": db,
            "seconds": after["t"] - before["t"],
        }


def drive(requests: list, make_client) -> list:
    """Make the requests with CLIENTS threads; their answers, in order."""
    answers: list = [None] * len(requests)
    nxt = iter(range(len(requests)))
    lock = threading.Lock()

    def worker() -> None:
        client = make_client()
        while True:
            with lock:
                i = next(nxt, None)
            if i is None:
                return
            method, path, body, headers = requests[i]
            answers[i] = client.call(method, path, body, headers)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


BACKGROUND = """
import json, resource, sys, time
import django
django.setup()
from lianxin.appeals.tasks import refresh_rollups
from lianxin.core.queue import work_pending
from lianxin.core.tasks import seal_audit_log
from lianxin.insight.suggest import active_pipeline

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

steps = [("pending work", work_pending), ("roll-ups", refresh_rollups), ("audit sealer", seal_audit_log)]
for line in sys.stdin:
    if line.strip() == "warm":
        active_pipeline()  # the router, loaded once per process
    out = {}
    for name, step in steps:
        c, t = cpu(), time.monotonic()
        done = step()
        out[name] = {"cpu_s": cpu() - c, "wall_s": time.monotonic() - t, "done": str(done)[:200]}
    print("RESULT " + json.dumps(out), flush=True)
"""


class Background:
    """One process doing the work commits leave, on command; each step's CPU (getrusage)."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen(
            [str(PYTHON), "-c", BACKGROUND],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "lianxin.settings"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, command: str = "run") -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        # The tasks may print (the development SMS and mail backends write to stdout).
        while line := self.proc.stdout.readline():
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        raise BenchError("the background process died")

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main() -> int:
    if not GUNICORN.exists():
        print("cpu_cost: needs the project's .venv")
        return 2
    topology.PG_URL = PG_URL
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    topology.VAR.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "DATABASE_URL": PG_URL,
            "LIANXIN_VAR_DIR": str(topology.VAR),
            "SECRET_KEY": "topology-secret-key-not-for-production-0123456789abcdefghij",
            "DEBUG": "0",
            "PUBLIC_SUBMIT_RATE": "off",
            "TRACK_RATE": "off",
            "OPEN311_READ_RATE": "off",
            "PYTHONUNBUFFERED": "1",
        }
    )
    topology.prepare_database(env)
    t0 = time.monotonic()
    run(
        [
            str(PYTHON),
            "manage.py",
            "router_train",
            "--data",
            "data/teddy2020/train.csv",
            "--if-missing",
        ],
        env,
        "router_train",
    )
    print(f"category router ready ({time.monotonic() - t0:.0f} s)", flush=True)
    groups = json.loads(
        run([str(PYTHON), str(BENCH / "catalogue.py")], env, "catalogue").strip().splitlines()[-1]
    )["groups"]
    bodies = payloads.build(groups, count=N, seed=int(time.time()))
    unit_id = topology.query(env, "print(json.dumps(Unit.objects.get(code='vet').pk))")
    log = (topology.VAR / "cpu-gunicorn.log").open("w")
    gunicorn = subprocess.Popen(
        [
            str(GUNICORN),
            "lianxin.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    background = Background(env)
    rows, steps = [], {}
    try:
        topology.wait_port(PORT, "gunicorn", 60)
        db_name = urllib.parse.urlsplit(PG_URL).path.lstrip("/")
        meter = Meter(gunicorn, background.proc, db_name)
        background.run("warm")  # loads the router, and clears any work left by earlier runs
        dispatcher = api_token("dispatcher")
        handler = api_token("handler-vet")
        session = signed_in("dispatcher")
        # Warm up: every worker imports and connects before anything is counted.
        drive([("GET", "/open311/v2/requests.json", None, None)] * 8, Client)
        before = meter.read()
        time.sleep(5)
        idle = Meter.delta(before, meter.read())
        idle_rate = {k: idle[k] / idle["seconds"] for k in ("app", "background", "db")}
        print(
            f"idle: gunicorn {idle_rate['app'] * 1000:.1f} ms CPU/s, "
            f"backends {idle_rate['db'] * 1000:.1f} ms/s (subtracted)",
            flush=True,
        )

        def phase(name: str, requests: list, make_client) -> list:
            start = meter.read()
            answers = drive(requests, make_client)
            d = Meter.delta(start, meter.read())
            ok = sum(1 for a in answers if a and 200 <= a[0] < 300)
            cost = {
                k: max(0.0, d[k] - idle_rate[k] * d["seconds"]) / len(requests) * 1000
                for k in ("app", "db")
            }
            rows.append(
                {
                    "request": name,
                    "n": len(requests),
                    "ok": ok,
                    "statuses": dict(Counter(a[0] for a in answers if a)),
                    "app_ms": round(cost["app"], 2),
                    "db_ms": round(cost["db"], 2),
                    "total_ms": round(cost["app"] + cost["db"], 2),
                    "wall_s": round(d["seconds"], 1),
                }
            )
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
            return answers

        answers = phase(
            "intake POST /api/v1/appeals/",
            [("POST", "/api/v1/appeals/", b, {"Content-Type": "application/json"}) for b in bodies],
            Client,
        )
        submitted = [json.loads(a[1]) for a in answers if a and a[0] == 201]
        # What those appeals left behind, done now by the background process.
        start = meter.read()
        steps = background.run()
        d = Meter.delta(start, meter.read())
        steps["backend CPU s (all steps)"] = round(d["db"] - idle_rate["db"] * d["seconds"], 3)
        print("background:", json.dumps(steps, ensure_ascii=False), flush=True)
        phase(
            "tracking GET /api/v1/appeals/track/",
            [
                (
                    "GET",
                    "/api/v1/appeals/track/?tracking_number=" + s["tracking_number"],
                    None,
                    {"X-Query-Code": s["query_code"]},
                )
                for s in submitted
            ],
            Client,
        )
        phase(
            "Open311 GET requests.json",
            [("GET", "/open311/v2/requests.json", None, None)] * N,
            Client,
        )
        phase(
            "dashboard GET /insight/ (30 days)",
            [("GET", "/insight/?days=30", None, None)] * max(20, N // 4),
            lambda: Client(cookies=session),
        )
        phase(
            "staff list GET /api/v1/appeals/",
            [("GET", "/api/v1/appeals/", None, None)] * N,
            lambda: Client(token=dispatcher),
        )
        # Those nobody has dispatched yet (the router dispatches some in the background).
        waiting = topology.query(
            env,
            "numbers = json.loads("
            + repr(json.dumps([s["tracking_number"] for s in submitted]))
            + ")\nprint(json.dumps(list(Appeal.objects.filter(tracking_number__in=numbers, "
            "status='submitted').values_list('tracking_number', flat=True))))",
        )
        answers = phase(
            "transition POST …/dispatch/",
            [("POST", f"/api/v1/appeals/{n}/dispatch/", {"unit": unit_id}, None) for n in waiting],
            lambda: Client(token=dispatcher),
        )
        dispatched = [n for n, a in zip(waiting, answers, strict=True) if a and a[0] == 200]
        phase(
            "transition POST …/accept/",
            [("POST", f"/api/v1/appeals/{n}/accept/", {}, None) for n in dispatched],
            lambda: Client(token=handler),
        )
        start = meter.read()
        after_transitions = background.run()
        d = Meter.delta(start, meter.read())
        print("background after the transitions:", json.dumps(after_transitions), flush=True)
        steps["after transitions"] = after_transitions
        meter.admin.close()
    finally:
        background.stop()
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    n_intake = max(1, len(submitted))
    background_ms = {
        name: round(step["cpu_s"] / n_intake * 1000, 2)
        for name, step in steps.items()
        if isinstance(step, dict) and "cpu_s" in step
    }
    print()
    print("| request | n | ok | gunicorn CPU ms | PostgreSQL CPU ms | total CPU ms |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['request']} | {r['n']} | {r['ok']} | {r['app_ms']} | {r['db_ms']} "
            f"| {r['total_ms']} |"
        )
    print(f"\nbackground work per intake appeal (CPU ms, {n_intake} appeals): {background_ms}")
    print(f"  its PostgreSQL backend: {steps.get('backend CPU s (all steps)')} s in all")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cpu_cost.json").write_text(
        json.dumps(
            {"requests": rows, "background": steps, "background_ms_per_appeal": background_ms},
            ensure_ascii=False,
            indent=1,
        )
    )
    return 0 if all(r["ok"] == r["n"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
