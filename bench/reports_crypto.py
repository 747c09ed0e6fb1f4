"""The reporting channel's (举报) slow crypto at the production defaults: what one submission,
one receipt look-up and one inspector unlock cost in CPU time. Prints figures, asserts nothing."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from lianxin.supervision import reporting as rp  # noqa: E402

RUNS = 5


def timed(fn) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


receipt, salt = rp.new_receipt(), rp.new_salt()
encoded = rp.receipt_hash(receipt)
locked = rp.keypair_create("correct horse battery staple")
rp.burn_receipt_check()  # builds its dummy hash once
ops, mem = rp.kdf_limits("receipt")
figures = {
    "receipt hash (submission)": timed(lambda: rp.receipt_hash(receipt)),
    "receipt verify": timed(lambda: rp.receipt_matches(encoded, receipt)),
    "receipt key derivation": timed(lambda: rp.derive_key(receipt, salt, ops, mem)),
    "right receipt (verify + derive)": timed(
        lambda: (rp.receipt_matches(encoded, receipt), rp.derive_key(receipt, salt, ops, mem))
    ),
    "wrong receipt (burn)": timed(rp.burn_receipt_check),
    "inspector keypair creation": timed(lambda: rp.keypair_create("correct horse battery staple")),
    "inspector unlock": timed(lambda: rp.keypair_unlock(locked, "correct horse battery staple")),
}
print(f"reporting channel crypto, production defaults, median of {RUNS} runs")
for name, ms in figures.items():
    print(f"  {name:36s} {ms:8.1f} ms")
