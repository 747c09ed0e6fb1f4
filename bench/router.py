"""The category router on the city's messages: cross-validated macro-F1 (stratified 5-fold on
data/teddy2020/train.csv), training time (the 5 cross-validation fits plus the final fit, as
`router_train` does) and classification speed in one process (batches of 2,000, and one
message at a time as intake calls it). Figures are printed; the targets (macro-F1 ≥ 0.93,
training ≤ 300 s, ≥ 2,000 messages/s) are reported, never asserted.

Run: .venv/bin/python bench/router.py [--data PATH] [--folds 5] [--seed 0]; a second seed
(--seed 1) shows how much the figure owes to one split. Needs no database."""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lianxin.insight import router  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT / "data" / "teddy2020" / "train.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the fold split")
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    print(f"{len(rows)} messages, {len(set(labels))} categories, {os.cpu_count()} CPUs")

    result = router.train(texts, labels, folds=args.folds, seed=args.seed)
    m = result.metrics
    print(f"training ({args.folds}-fold CV + final fit): {result.seconds:.1f} s  (target ≤ 300 s)")
    print(
        f"cross-validated macro-F1: {m['macro_f1']:.4f}  accuracy: {m['accuracy']:.4f}"
        "  (target ≥ 0.93)"
    )
    folds = ", ".join(f"{f:.4f}" for f in m["macro_f1_folds"])
    print(f"  per fold (seed {args.seed}): {folds}  std {m['macro_f1_std']:.4f}")
    for label, f1 in m["per_class_f1"].items():
        print(f"  {label}: F1 {f1:.4f}")

    pipeline = result.pipeline
    print(f"model file: {len(router.dump(pipeline)) / 1e6:.1f} MB")
    router.predict(pipeline, texts[:100])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(texts), 2000):
        router.predict(pipeline, texts[start : start + 2000])
    batch_rate = len(texts) / (time.perf_counter() - started)
    one = texts[:500]
    started = time.perf_counter()
    for text in one:
        router.predict(pipeline, [text])
    single_rate = len(one) / (time.perf_counter() - started)
    print(f"classification, batches of 2000: {batch_rate:,.0f} messages/s  (target ≥ 2,000)")
    print(f"classification, one at a time:   {single_rate:,.0f} messages/s")


if __name__ == "__main__":
    main()
