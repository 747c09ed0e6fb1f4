"""Closed-loop HTTP load: N client threads, each on its own keep-alive connection (reopened
whenever the server closes it), POSTing pre-encoded JSON bodies as fast as answers come back."""

import http.client
import json
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PhaseResult:
    requests: int = 0  # completed inside the measuring window
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # of successful (201) requests
    all_latencies_ms: list[float] = field(default_factory=list)  # of every answer, errors too
    error_samples: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    reconnects: int = 0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    committed: int | None = None  # appeal rows the database gained inside the window
    machine_cpu_s: float = 0.0  # all processes, all cores (from /proc/stat)

    @property
    def ok(self) -> int:
        return self.requests - self.errors

    @property
    def rate(self) -> float:
        """Successful appeals per second."""
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float, *, everything: bool = False) -> float:
        values = sorted(self.all_latencies_ms if everything else self.latencies_ms)
        if not values:
            return float("nan")
        # Nearest-rank: the smallest value with at least p % of the sample at or below it.
        rank = max(1, min(len(values), -(-len(values) * p // 100)))
        return values[int(rank) - 1]

    def summary(self) -> dict:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in self._summary().items()
        }

    def _summary(self) -> dict:
        return {
            "appeals_per_s": round(self.rate, 1),
            "requests": self.requests,
            "ok": self.ok,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "seconds": round(self.seconds, 2),
            "p50_ms": round(self.percentile(50), 2),
            "p90_ms": round(self.percentile(90), 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.latencies_ms, default=float("nan")), 2),
            "all_answers_p50_ms": round(self.percentile(50, everything=True), 2),
            "all_answers_p99_ms": round(self.percentile(99, everything=True), 2),
            # Rows, not answers: shows the work done even when answers fail after the commit.
            "committed_per_s": round(self.committed / self.seconds, 1)
            if self.committed is not None and self.seconds
            else None,
            "new_connections": self.reconnects,
            "client_cpu_s": round(self.client_cpu_s, 2),
            "server_cpu_s": round(self.server_cpu_s, 2),
            # CPU used by everything else on the machine (other users, the database server):
            # on a shared 2-core box this is the noise floor of the figures above.
            "other_cpu_cores": round(
                max(0.0, self.machine_cpu_s - self.client_cpu_s - self.server_cpu_s) / self.seconds,
                2,
            )
            if self.seconds
            else None,
            "server_cpu_ms_per_request": round(1000 * self.server_cpu_s / self.requests, 2)
            if self.requests
            else None,
        }


def _readable(payload: bytes) -> str:
    """An error body for humans: JSON with its \\u escapes undone, cut short."""
    try:
        return json.dumps(json.loads(payload), ensure_ascii=False)[:300]
    except ValueError:
        return payload[:300].decode("utf-8", "replace")


def _proc_cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes (Linux /proc), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def _machine_busy_seconds() -> float:
    """CPU seconds spent not idle, all cores together, since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    """The worker processes of a gunicorn master (scanning /proc for their parent id)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(parts[1]) == pid:
            found.append(int(entry))
    return found


def run_phase(
    *,
    host: str,
    port: int,
    path: str,
    bodies: list[bytes],
    clients: int,
    warmup: float,
    seconds: float,
    server_pid: int | None = None,
    max_error_samples: int = 5,
    count_rows: Callable[[], int] | None = None,
) -> PhaseResult:
    result = PhaseResult()
    lock = threading.Lock()
    start_barrier = threading.Barrier(clients + 1)
    timing = {}
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": "zh-hans",
    }

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        n = index
        local_lat: list[float] = []
        local_all: list[float] = []
        local_req = local_err = local_new = 0
        local_status: dict[int, int] = {}
        samples: list[str] = []
        start_barrier.wait()
        measure_from, measure_to = timing["from"], timing["to"]
        while True:
            began = time.perf_counter()
            if began >= measure_to:
                break
            body = bodies[n % len(bodies)]
            n += clients
            status, detail = 0, ""
            try:
                if conn.sock is None:
                    local_new += 1
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                if status != 201:
                    detail = _readable(payload)
            except (OSError, http.client.HTTPException) as exc:
                detail = f"{type(exc).__name__}: {exc}"
                conn.close()
            ended = time.perf_counter()
            # Counted by completion time: throughput is what finished inside the window.
            if measure_from <= ended <= measure_to:
                local_req += 1
                local_status[status] = local_status.get(status, 0) + 1
                local_all.append((ended - began) * 1000)
                if status == 201:
                    local_lat.append((ended - began) * 1000)
                else:
                    local_err += 1
                    if len(samples) < max_error_samples:
                        samples.append(f"HTTP {status or '-'}: {detail}")
        conn.close()
        with lock:
            result.requests += local_req
            result.errors += local_err
            result.reconnects += local_new
            result.latencies_ms.extend(local_lat)
            result.all_latencies_ms.extend(local_all)
            for k, v in local_status.items():
                result.statuses[k] = result.statuses.get(k, 0) + v
            room = max_error_samples - len(result.error_samples)
            result.error_samples.extend(samples[:room])

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    timing["from"] = now + warmup
    timing["to"] = now + warmup + seconds
    start_barrier.wait()
    time.sleep(max(0.0, timing["from"] - time.perf_counter()))
    # CPU is sampled over the measuring window only (warm-up excluded).
    rows0 = count_rows() if count_rows else None
    cpu0 = time.process_time()
    workers = children_of(server_pid) if server_pid else []
    server0 = _proc_cpu_seconds(workers)
    machine0 = _machine_busy_seconds()
    time.sleep(max(0.0, timing["to"] - time.perf_counter()))
    result.client_cpu_s = time.process_time() - cpu0
    result.server_cpu_s = _proc_cpu_seconds(workers) - server0
    result.machine_cpu_s = _machine_busy_seconds() - machine0
    if count_rows and rows0 is not None:
        result.committed = count_rows() - rows0
    for t in threads:
        t.join(timeout=120)
    result.seconds = seconds
    return result
