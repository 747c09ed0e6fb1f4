"""Queuing background work. With the broker (Redis) down, a task is not queued: that is logged,
the request goes on (what it wrote is committed), and the task's periodic sweeper does the work
when it runs (pending notifications, appeals not yet analysed or routed)."""

import logging

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("lianxin.queue")
UNAVAILABLE = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)


def enqueue(task, *args) -> bool:
    """`task.delay(*args)`; False (logged) when the broker cannot be reached."""
    try:
        task.delay(*args)
    except UNAVAILABLE as exc:
        log.warning("broker unavailable (%s): %s%r left to its sweeper",
                    type(exc).__name__, task.name, args)
        return False
    return True
