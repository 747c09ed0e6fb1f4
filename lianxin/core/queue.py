"""Queuing background work. With the broker (Redis) down, a task is not queued: that is logged,
the request goes on (what it wrote is committed), and the task's periodic sweeper does the work
when it runs (pending notifications, appeals not yet analysed or routed).

After a failure, queuing is not even tried for BROKER_RETRY_SECONDS: each try costs a connect
timeout, and a citizen's request would otherwise wait seconds for every task it queues."""

import logging
import time
from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("lianxin.queue")
UNAVAILABLE = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)
BROKER_RETRY_SECONDS = 10.0
_down_until = 0.0  # per process: when to try the broker again


def enqueue(task: Any, *args: Any) -> bool:
    """`task.delay(*args)`; False (logged) when the broker cannot be reached."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    try:
        task.delay(*args)
    except UNAVAILABLE as exc:
        _down_until = time.monotonic() + BROKER_RETRY_SECONDS
        log.warning(
            "broker unavailable (%s): %s%r left to its sweeper; not tried again for %ds",
            type(exc).__name__,
            task.name,
            args,
            BROKER_RETRY_SECONDS,
        )
        return False
    return True


def broker_back() -> None:
    """Forget a recorded outage (tests; a worker that knows the broker is back)."""
    global _down_until
    _down_until = 0.0
