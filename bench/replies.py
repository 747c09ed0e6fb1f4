"""Reply-quality scoring (答复质量) on the city's 2,816 answered messages
(data/teddy2020/replied-messages.csv or .xlsx): the distribution of each score, relevance AUC of
true (appeal, reply) pairs against shuffled and against "nearest other appeal" pairs (also with
the idf fitted on one half and measured on the other), basis precision/recall against
data/teddy2020/reply-basis-labels.csv, completeness agreement with
data/teddy2020/reply-completeness-labels.csv, working days to reply, and scoring speed.
Figures are printed, never asserted.

Run: .venv/bin/python bench/replies.py [--data PATH] [--fit]   (--fit rewrites the shipped idf
table data/insight/reply-idf.json.gz from the data). Needs no database."""

import argparse
import csv
import os
import random
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from lianxin.core.calendar import LOCAL, Calendar  # noqa: E402
from lianxin.insight import replies as R  # noqa: E402

COLUMNS = ["留言编号", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"]


def read(path: Path) -> list[dict]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows)]
        return [dict(zip(header, row, strict=False)) for row in rows if any(row)]
    with open(path, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def when(value) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=LOCAL)
    text = str(value or "").strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=LOCAL)
        except ValueError:
            continue
    return None


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    ranked = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    n1, n0 = len(pos), len(neg)
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)


def quantiles(values: list[float], qs=(0.05, 0.25, 0.5, 0.75, 0.95)) -> str:
    return "  ".join(f"p{int(q * 100)} {R.percentile(values, q):.2f}" for q in qs)


def histogram(values: list[float], bins: int = 10) -> str:
    counts = Counter(min(bins - 1, int(v * bins)) for v in values)
    return "  ".join(
        f"{b / bins:.1f}-{(b + 1) / bins:.1f}: {counts.get(b, 0)}" for b in range(bins)
    )


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(vs):
        order = sorted(range(len(vs)), key=lambda i: vs[i])
        out = [0.0] * len(vs)
        i = 0
        while i < len(order):
            j = i
            while j < len(order) and vs[order[j]] == vs[order[i]]:
                j += 1
            for k in range(i, j):
                out[order[k]] = (i + j - 1) / 2
            i = j
        return out

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy)


def relevance_auc(appeals: list[str], replies: list[str], table, seed: int = 7):
    true = [R.raw_relevance(a, "", r, table) for a, r in zip(appeals, replies, strict=True)]
    order = list(range(len(replies)))
    random.Random(seed).shuffle(order)
    shuffled = [
        R.raw_relevance(appeals[i], "", replies[j], table) for i, j in enumerate(order) if i != j
    ]
    return true, shuffled


def nearest_other(appeals: list[str], table) -> list[int]:
    """For each appeal, the most similar other appeal (a hard negative: same topic or place)."""
    vectors = [R._vector(R.tokens(a), table) for a in appeals]
    index: dict[str, list[int]] = {}
    for i, v in enumerate(vectors):
        for t in sorted(v, key=v.get, reverse=True)[:15]:
            index.setdefault(t, []).append(i)
    out = []
    for i, v in enumerate(vectors):
        candidates = {j for t in sorted(v, key=v.get, reverse=True)[:15] for j in index[t]} - {i}
        best = max(candidates, key=lambda j: R._cos(v, vectors[j]), default=(i + 1) % len(appeals))
        out.append(best)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT / "data" / "teddy2020" / "replied-messages.csv"))
    parser.add_argument("--fit", action="store_true", help="rewrite the shipped idf table")
    args = parser.parse_args()
    rows = [r for r in read(Path(args.data)) if str(r.get("答复意见") or "").strip()]
    appeals = [f"{r['留言主题']}。{r['留言详情']}" for r in rows]
    replies = [str(r["答复意见"]) for r in rows]
    print(f"{len(rows)} answered messages from {Path(args.data).name}")

    if args.fit:
        table = R.fit_idf(appeals, replies)
        R.save_idf(table, R.DEFAULT_IDF_PATH)
        print(
            f"wrote {R.DEFAULT_IDF_PATH.relative_to(ROOT)}: {len(table.idf)} tokens, "
            f"calibration low {table.low} high {table.high}"
        )
        R._table = None
    table = R.idf_table()

    # --- scores on the whole file ---
    calendar = Calendar()
    scores, seconds = [], []
    for r in rows:
        started = time.perf_counter()
        scores.append(
            R.score_reply(
                title=str(r["留言主题"]),
                content=str(r["留言详情"]),
                reply=str(r["答复意见"]),
                submitted_at=when(r["留言时间"]),
                replied_at=when(r["答复时间"]),
                calendar=calendar,
            )
        )
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    print(
        f"\nscoring time per reply: median {seconds[len(seconds) // 2] * 1000:.2f} ms, "
        f"p99 {seconds[int(len(seconds) * 0.99)] * 1000:.2f} ms, "
        f"max {seconds[-1] * 1000:.2f} ms"
    )
    threshold = scores[0].threshold
    print(f"\nscore distribution (threshold {threshold}, weights {R._weights()}):")
    for name in ("overall", "relevance", "completeness", "basis", "timeliness"):
        values = [getattr(s, name) for s in scores]
        print(f"  {name:12s} mean {sum(values) / len(values):.2f}  {quantiles(values)}")
    overall = [s.overall for s in scores]
    print(f"  overall histogram: {histogram(overall)}")
    flagged = sum(s.needs_review for s in scores)
    print(
        f"  flagged for review (overall < {threshold}): {flagged} of {len(scores)} "
        f"({flagged / len(scores):.1%})"
    )
    w_time = R._weights()["timeliness"]
    on_time = sum(s.overall + w_time * (1 - s.timeliness) < threshold for s in scores)
    print(
        f"  flagged had every reply been on time (lateness in this old data aside): {on_time} "
        f"({on_time / len(scores):.1%})"
    )
    reasons = Counter(reason.code for s in scores for reason in s.reasons)
    print("  reasons: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    timed = [s for s in scores if s.workdays is not None]
    print(
        f"  timeliness (no deadline in the data: {R.DEFAULT_DEADLINE_WORKDAYS} working days "
        f"assumed): on time {sum(s.timeliness == 1 for s in timed)} of {len(timed)}"
    )

    # --- relevance ---
    true, shuffled = relevance_auc(appeals, replies, table)
    print("\nrelevance (raw cosine of appeal and reply substance):")
    print(
        f"  AUC true vs shuffled pairs: {auc(true, shuffled):.4f}  "
        f"(true median {R.percentile(true, 0.5):.3f}, shuffled p95 "
        f"{R.percentile(shuffled, 0.95):.3f})"
    )
    near = nearest_other(appeals, table)
    hard = [R.raw_relevance(appeals[i], "", replies[j], table) for i, j in enumerate(near)]
    print(f"  AUC true vs reply of the most similar other appeal: {auc(true, hard):.4f}")
    half = list(range(len(rows)))
    random.Random(11).shuffle(half)
    fit_ids, test_ids = half[: len(half) // 2], half[len(half) // 2 :]
    half_table = R.fit_idf([appeals[i] for i in fit_ids], [replies[i] for i in fit_ids])
    t2, s2 = relevance_auc(
        [appeals[i] for i in test_ids], [replies[i] for i in test_ids], half_table
    )
    print(f"  AUC with idf fitted on a random half, measured on the other half: {auc(t2, s2):.4f}")
    rel_true = [s.relevance for s in scores]
    print(
        f"  calibrated relevance of true pairs: {quantiles(rel_true)}; "
        f"below 0.3: {sum(v < 0.3 for v in rel_true)}"
    )

    # --- basis ---
    by_id = {str(r["留言编号"]).strip(): (r, s) for r, s in zip(rows, scores, strict=True)}
    labels_path = ROOT / "data" / "teddy2020" / "reply-basis-labels.csv"
    with open(labels_path, encoding="utf-8") as f:
        basis_labels = {row["留言编号"]: row["cites_basis"] == "1" for row in csv.DictReader(f)}
    print(
        f"\nbasis against {len(basis_labels)} hand-labelled replies "
        f"({sum(basis_labels.values())} cite a basis):"
    )
    for cut in (1.0, 0.8, 0.5):
        tp = fp = fn = 0
        for key, cites in basis_labels.items():
            predicted = by_id[key][1].basis >= cut
            tp += predicted and cites
            fp += predicted and not cites
            fn += cites and not predicted
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        print(f"  basis ≥ {cut}: precision {p:.2f} recall {rc:.2f} (tp {tp}, fp {fp}, fn {fn})")
    print(
        f"  share of all replies with basis 1 / ≥0.5: "
        f"{sum(s.basis == 1 for s in scores) / len(scores):.1%} / "
        f"{sum(s.basis >= 0.5 for s in scores) / len(scores):.1%}"
    )

    # --- completeness ---
    with open(ROOT / "data" / "teddy2020" / "reply-completeness-labels.csv", encoding="utf-8") as f:
        comp_labels = {row["留言编号"]: row["answers_every_point"] for row in csv.DictReader(f)}
    value = {"yes": 1.0, "partly": 0.5, "no": 0.0}
    keys = list(comp_labels)
    got = [by_id[k][1].completeness for k in keys]
    want = [value[comp_labels[k]] for k in keys]
    print(
        f"\ncompleteness against {len(keys)} hand-labelled pairs "
        f"({dict(Counter(comp_labels.values()))}):"
    )
    for label in ("yes", "partly", "no"):
        vs = [g for g, k in zip(got, keys, strict=True) if comp_labels[k] == label]
        print(
            f"  labelled {label:6s}: n {len(vs):2d}  mean score {sum(vs) / len(vs):.2f}  "
            f"min {min(vs):.2f} max {max(vs):.2f}"
        )
    print(f"  Spearman correlation with yes=1/partly=0.5/no=0: {spearman(got, want):.3f}")
    print(
        f"  AUC yes vs partly+no: "
        f"{auc([g for g, w in zip(got, want, strict=True) if w == 1], [g for g, w in zip(got, want, strict=True) if w < 1]):.3f}"
        f"   AUC yes+partly vs no: "
        f"{auc([g for g, w in zip(got, want, strict=True) if w > 0], [g for g, w in zip(got, want, strict=True) if w == 0]):.3f}"
    )

    def bucket(v: float) -> str:
        return "yes" if v >= 0.7 else "partly" if v >= 0.3 else "no"

    agree = sum(bucket(g) == comp_labels[k] for g, k in zip(got, keys, strict=True))
    print(f"  three-way agreement (≥0.7 yes, ≥0.3 partly, else no): {agree} of {len(keys)}")
    flagged_by_label = Counter(comp_labels[k] for k in keys if by_id[k][1].needs_review)
    print(f"  flagged for review among them: {dict(flagged_by_label)}")
    no_late = Counter(
        comp_labels[k]
        for k in keys
        if by_id[k][1].overall + w_time * (1 - by_id[k][1].timeliness) < threshold
    )
    print(f"  ... had every reply been on time: {dict(no_late)}")

    # --- timeliness ---
    days = [s.workdays for s in scores if s.workdays is not None]
    print(
        f"\nworking days from message to reply (n {len(days)}): "
        f"{quantiles([float(d) for d in days], (0.1, 0.25, 0.5, 0.75, 0.9, 0.99))}"
    )
    for limit in (3, 7, 15, 30, 60):
        print(f"  ≤ {limit:2d} working days: {sum(d <= limit for d in days) / len(days):.1%}")


if __name__ == "__main__":
    main()
