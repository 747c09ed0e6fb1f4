"""Early warning (预警) on real background data with synthetic outbreaks injected.

Background: the 4,326 + 2,816 dated citizen messages of data/teddy2020 (hot-issues-messages.csv,
replied-messages.csv). Each gets a category from simple keyword rules (the demo's), 20% of them
none (as if the citizen gave none and the router was unsure), and an area from the place names
in its text (the finest 村/社区 name, else 街道/镇/乡, else the district code such as A7县;
messages naming no place have no area, as in the app). The rules are the app's own functions
(lianxin.insight.warning).

1. False alarms: the rise rule day by day over the evaluated span (2019-03-01..2019-12-31, the
   months before give the baseline) for several thresholds; the cluster rule over every
   background animal report. Every alarm on the background counts as false, although some are
   real hot issues (the busiest keys are printed), so these are upper bounds.
2. Cluster outbreaks: runs × (a random village, a random start, 3–5 days of 1–2 sick/dead-pig
   reports a day at random hours, 20% uncategorised). Detection rate and delay (hours from the
   first injected report to the alarm) for the cluster rule (checked at each report, as intake
   does) and for the rise rule (checked hourly, as the beat task does).
3. Rises: runs × multipliers: a random category×area pair with at least one report a week in
   its baseline gets (m − 1) × its baseline rate extra reports a day for 14 days (Poisson).
   Detection within the 14 days and delay, by baseline rate.
3b. Spread rises: extra 环境保护 reports for 14 days, each in one of three villages of a town,
   detected by the villages' own pairs alone, or also by the town's (which counts its villages).

Run: .venv/bin/python bench/warning.py [--runs 200] [--seed 7]. Needs no database."""

from __future__ import annotations

import argparse
import bisect
import csv
import random
import re
import statistics
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.stats import binom

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lianxin.insight import warning as w  # noqa: E402

DATA = ROOT / "data" / "teddy2020"
SPAN = (date(2019, 3, 1), date(2019, 12, 31))
EPIDEMIC, LIVESTOCK = w.CLUSTER_CATEGORIES

# The demo's keyword rules (lianxin/demo/appeals.py), animal reports split as the demo does.
KEYWORDS = [
    ("农村农业", r"养猪|养殖|屠宰|病死|猪瘟|禽流感|兽医"),
    ("劳动和社会保障", r"社保|工资|养老|医保|公积金|就业|退休|人才|劳动"),
    ("教育文体", r"学校|教育|老师|学生|幼儿园|中学|小学|学位"),
    ("卫生计生", r"医院|医疗|疫苗|卫生|计生|医生|诊所"),
    ("交通运输", r"公交|交通|地铁|出租|车站|高速|路口|红绿灯"),
    ("环境保护", r"污染|噪音|噪声|环保|排放|臭|扰民|搅拌站"),
    ("商贸旅游", r"商家|旅游|消费|超市|商场|景区|酒店"),
]
DISTRICT = re.compile(r"[A-Z]\d{1,2}[区县市]")
PLACE = re.compile(r"([\u4e00-\u9fa5]{2,4}?)(街道|社区|村|镇|乡)")
NOT_PLACES = {"城乡", "农村", "乡镇", "城镇", "村民", "乡村", "新农村"}
NOT_PLACE_CHARS = set("的了在是我们你他她它反映关于位于和与及对从向把被住家到该本全各这那个")


def category_of(text: str) -> str:
    for group, pattern in KEYWORDS:
        if re.search(pattern, text):
            if group == "农村农业":
                return EPIDEMIC if re.search("病死|疫|瘟", text) else LIVESTOCK
            return group
    return "城乡建设"


def area_of(text: str) -> tuple[str | None, str | None]:
    """(area, its town): the first 村/社区 named, else the first 街道/镇/乡, else the district
    code; a village's or community's town is the first 街道/镇/乡 the same text names."""
    fine = coarse = None
    for m in PLACE.finditer(DISTRICT.sub("，", text)):
        name = m.group(1).lstrip("".join(NOT_PLACE_CHARS))
        if len(name) < 2 or name + m.group(2) in NOT_PLACES or set(name) & NOT_PLACE_CHARS:
            continue
        place = name + m.group(2)
        if m.group(2) in ("村", "社区"):
            fine = fine or place
        else:
            coarse = coarse or place
    if fine:
        return fine, coarse
    if coarse:
        return coarse, None
    d = DISTRICT.search(text)
    return (d.group(0) if d else None), None


def load(rng: random.Random) -> list[dict]:
    out = []
    for name in ("hot-issues-messages.csv", "replied-messages.csv"):
        with open(DATA / name, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                at = datetime.strptime(r["留言时间"].strip().replace("-", "/"), "%Y/%m/%d %H:%M:%S")
                text = re.sub(r"\s+", " ", r["留言主题"] + " " + r["留言详情"])
                categorised = rng.random() >= 0.2
                area, town = area_of(text)
                out.append(
                    {
                        "at": at,
                        "category": category_of(text) if categorised else None,
                        "area": area,
                        "town": town,
                        "text": text,
                    }
                )
    out.sort(key=lambda m: m["at"])
    return out


def towns_of(messages) -> dict[str, str]:
    """Each village's or community's town: the one its messages name most often (the app
    knows it from the unit tree)."""
    named: dict[str, Counter] = defaultdict(Counter)
    for m in messages:
        if m["area"] and m["town"]:
            named[m["area"]][m["town"]] += 1
    return {area: towns.most_common(1)[0][0] for area, towns in named.items()}


# --- the rise rule, vectorised over days for the false-alarm sweep -----------------------------


def day_series(messages, start: date, end: date):
    days = (end - start).days + 1
    series: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(days, dtype=int))
    for m in messages:
        if m["category"] and m["area"] and start <= m["at"].date() <= end:
            series[(m["category"], m["area"])][(m["at"].date() - start).days] += 1
    return series


def rise_alarms(
    series,
    *,
    first: int,
    alpha: float,
    min_count: int,
    towns=None,
    window=w.RISE_WINDOW_DAYS,
    baseline=w.RISE_BASELINE_DAYS,
) -> list[tuple[tuple, int]]:
    """(key, day index) of each alarm raised: the rule fires and it did not fire in the
    window before (an alarm stays open while it fires and is closed once it stops). With
    `towns` (area → town), towns also count their villages' reports, and a town does not
    alarm on a day one of its villages does, as the scan does (w.with_parent_counts)."""
    raised = []
    p0 = window / (window + baseline)
    pairs = w.with_parent_counts(series, towns) if towns else series
    fires = {}
    for key, counts in pairs.items():
        c = np.concatenate([[0], np.cumsum(counts)])
        idx = np.arange(first, len(counts))
        recent = c[idx + 1] - c[idx + 1 - window]
        base = c[idx + 1 - window] - c[np.maximum(idx + 1 - window - baseline, 0)]
        fires[key] = (recent >= min_count) & (binom.sf(recent - 1, recent + base, p0) <= alpha)
    for (category, area), fire in list(fires.items()):
        if towns and area in towns:
            town = (category, towns[area])
            fires[town] = fires[town] & ~fire
    for key, fire in fires.items():
        idx = np.arange(first, first + len(fire))
        last = -(10**9)
        for i in np.flatnonzero(fire):
            if i - last > window:
                raised.append((key, int(idx[i])))
            last = i
    return raised


# --- hourly detection on one key --------------------------------------------------------------


def rise_fires_at(
    times: list[datetime], at: datetime, *, alpha=w.RISE_ALPHA, min_count=w.RISE_MIN_COUNT
) -> bool:
    """The rise rule as the hourly scan sees one key at `at` (counts by day, today partial)."""
    day = at.date()
    daily: dict[date, int] = defaultdict(int)
    lo = bisect.bisect_left(
        times,
        datetime.combine(
            day - timedelta(days=w.RISE_WINDOW_DAYS - 1 + w.RISE_BASELINE_DAYS), datetime.min.time()
        ),
    )
    hi = bisect.bisect_right(times, at)
    for t in times[lo:hi]:
        daily[t.date()] += 1
    return w.rise_check(daily, day=day, alpha=alpha, min_count=min_count) is not None


def first_rise_alarm(
    times: list[datetime], start: datetime, hours: int, alpha: float = w.RISE_ALPHA
) -> float | None:
    """Hours from `start` to the first hourly scan that alarms, within `hours`."""
    scan = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    for h in range(hours):
        at = scan + timedelta(hours=h)
        if rise_fires_at(times, at, alpha=alpha):
            return (at - start).total_seconds() / 3600
    return None


def summary(delays: list[float], runs: int) -> str:
    if not delays:
        return f"detected 0/{runs}"
    q = (
        statistics.quantiles(delays, n=10, method="inclusive")
        if len(delays) > 1
        else [delays[0]] * 9
    )
    return (
        f"detected {len(delays)}/{runs} ({100 * len(delays) / runs:.0f}%), delay median "
        f"{statistics.median(delays):.1f} h, p90 {q[8]:.1f} h, max {max(delays):.1f} h"
    )


def random_moment(rng, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randrange(86400))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    messages = load(rng)
    with_area = [m for m in messages if m["area"]]
    in_span = [m for m in messages if SPAN[0] <= m["at"].date() <= SPAN[1]]
    months = (SPAN[1] - SPAN[0]).days / 30.44
    start = SPAN[0] - timedelta(days=w.RISE_WINDOW_DAYS - 1 + w.RISE_BASELINE_DAYS)
    series = day_series(messages, start, SPAN[1])
    first = (SPAN[0] - start).days
    villages = sorted({m["area"] for m in with_area if m["area"].endswith("村")})
    towns = towns_of(messages)
    print(
        f"{len(messages)} messages ({len(in_span)} in {SPAN[0]}..{SPAN[1]}, "
        f"{len(in_span) / months:.0f}/month), {100 * len(with_area) / len(messages):.0f}% with an "
        f"area, {len({m['area'] for m in with_area})} areas ({len(villages)} villages), "
        f"{len(series)} category×area keys; {len(towns)} villages/communities with a town "
        f"({len(set(towns.values()))} towns)"
    )
    print(
        f"rise rule: window {w.RISE_WINDOW_DAYS} d vs baseline {w.RISE_BASELINE_DAYS} d, "
        f"conditional binomial test; defaults alpha={w.RISE_ALPHA:g}, "
        f"min_count={w.RISE_MIN_COUNT}"
    )

    # 1. False alarms on the background.
    print(f"\n1. alarms on the background over {months:.1f} months (all counted as false):")
    print("   alpha     min_count  alarms  per month")
    for alpha in (1e-2, 1e-3, 1e-4, 1e-5):
        for min_count in (3, 4, 5):
            n = len(rise_alarms(series, first=first, alpha=alpha, min_count=min_count, towns=towns))
            mark = "  <- default" if (alpha, min_count) == (w.RISE_ALPHA, w.RISE_MIN_COUNT) else ""
            print(f"   {alpha:<9g} {min_count:<10} {n:<7} {n / months:.2f}{mark}")
    default = rise_alarms(
        series, first=first, alpha=w.RISE_ALPHA, min_count=w.RISE_MIN_COUNT, towns=towns
    )
    for (category, area), day in default[:10]:
        print(f"     {start + timedelta(days=day)}  {category} @ {area}")
    alone = rise_alarms(series, first=first, alpha=w.RISE_ALPHA, min_count=w.RISE_MIN_COUNT)
    print(
        f"   without towns counting their villages: {len(alone)} alarms, "
        f"{len(alone) / months:.2f} per month"
    )

    animal = defaultdict(list)  # area -> times of background animal reports
    for m in messages:
        if m["area"] and w.is_animal_report(
            category_code=m["category"]
            if m["category"] in (EPIDEMIC, LIVESTOCK)
            else (m["category"] and "other"),
            text=m["text"],
        ):
            animal[m["area"]].append(m["at"])
    cluster_false = []
    for area, times in animal.items():
        last = None
        for t in times:
            if (
                SPAN[0] <= t.date() <= SPAN[1]
                and w.find_cluster(times, at=t)
                and (last is None or t - last > timedelta(hours=w.CLUSTER_HOURS))
            ):
                cluster_false.append((area, t))
            if w.find_cluster(times, at=t):
                last = t
    print(
        f"   cluster rule ({w.CLUSTER_REPORTS} in {w.CLUSTER_HOURS} h): "
        f"{sum(len(v) for v in animal.values())} background animal reports with an area, "
        f"{len(cluster_false)} alarms, {len(cluster_false) / months:.2f} per month"
    )

    # 2. Cluster outbreaks.
    cluster_delays, cluster_rise_delays = [], []
    span_days = (SPAN[1] - SPAN[0]).days - 7
    for _ in range(args.runs):
        village = rng.choice(villages) if villages else "大湾村"
        day0 = SPAN[0] + timedelta(days=rng.randrange(span_days))
        injected = sorted(
            random_moment(rng, day0 + timedelta(days=d))
            for d in range(rng.randint(3, 5))
            for _ in range(rng.randint(1, 2))
        )
        times = sorted(animal.get(village, []) + injected)
        first_report = injected[0]
        # Intake runs the cluster rule at each report (the 20% uncategorised are caught by the
        # keyword fallback, "死猪" is in every injected text).
        hit = next((t for t in injected if w.find_cluster(times, at=t)), None)
        if hit is not None:
            cluster_delays.append((hit - first_report).total_seconds() / 3600)
        epidemic_times = sorted(
            [m["at"] for m in messages if m["area"] == village and m["category"] == EPIDEMIC]
            + [t for t in injected if rng.random() >= 0.2]
        )
        delay = first_rise_alarm(epidemic_times, first_report, 24 * 7)
        if delay is not None:
            cluster_rise_delays.append(delay)
    print(
        f"\n2. cluster outbreaks ({args.runs} runs: 3-5 days × 1-2 sick/dead-pig reports a day "
        "in one village):"
    )
    print(f"   cluster rule: {summary(cluster_delays, args.runs)}")
    print(f"   rise rule alone (7 days): {summary(cluster_rise_delays, args.runs)}")

    # 3. Rises of a normal category in an area.
    eligible = []
    times_of: dict[tuple, list[datetime]] = defaultdict(list)
    for m in messages:
        if m["category"] and m["area"]:
            times_of[(m["category"], m["area"])].append(m["at"])
    print("\n3. rises of a category in an area for 14 days (runs per multiplier):")
    for key, counts in series.items():
        for d in range(first, len(counts) - 14, 7):
            base = counts[d - w.RISE_BASELINE_DAYS : d].sum()
            if base >= 8 and counts[d - w.RISE_WINDOW_DAYS : d].sum() <= base * 7 / 56 * 2:
                eligible.append((key, d, base / w.RISE_BASELINE_DAYS))
    print(
        f"   {len(eligible)} eligible (key, start week) pairs with ≥ 1 report a week in the "
        f"baseline; baseline rate median {statistics.median(e[2] for e in eligible) * 7:.1f}/week"
    )
    for alpha in (w.RISE_ALPHA, 1e-4):
        for multiplier in (2, 3):
            run_rises(rng, eligible, series, start, times_of, multiplier, alpha, args.runs)
    spread_rises(rng, messages, towns, args.runs)
    print("\n4. the same rises on a synthetic Poisson background of a busier area:")
    for rate in (0.5, 1.0, 3.0):
        for multiplier in (1.5, 2, 3):
            delays = []
            for _ in range(args.runs):
                gen = np.random.default_rng(rng.randrange(2**32))
                day0 = date(2025, 1, 1) + timedelta(days=63)
                times = [
                    random_moment(rng, day0 + timedelta(days=k))
                    for k in range(-63, 14)
                    for _n in range(gen.poisson(rate))
                ]
                injected = sorted(
                    random_moment(rng, day0 + timedelta(days=k))
                    for k in range(14)
                    for _n in range(gen.poisson((multiplier - 1) * rate))
                )
                if not injected:
                    continue
                delay = first_rise_alarm(sorted(times + injected), injected[0], 24 * 13)
                if delay is not None:
                    delays.append(delay)
            print(f"   {rate:g}/day, {multiplier:g}×: {summary(delays, args.runs)}")


def spread_rises(rng, messages, towns, runs) -> None:
    """A matter along a river: extra 环境保护 reports for 14 days, each in one of three
    villages of a town at random. Detected by the villages' own pairs, or by the town's."""
    category = "环境保护"
    children: dict[str, list[str]] = defaultdict(list)
    for area, town in towns.items():
        children[town].append(area)
    eligible = sorted(t for t, c in children.items() if len(c) >= 3)
    times_of: dict[str, list[datetime]] = defaultdict(list)
    for m in messages:
        if m["category"] == category and m["area"]:
            times_of[m["area"]].append(m["at"])
    span_days = (SPAN[1] - SPAN[0]).days - 14
    print(
        f"\n3b. a rise spread over three villages of a town ({len(eligible)} towns with three "
        f"or more villages/communities; {category}, 14 days):"
    )
    for rate in (0.5, 1.0):
        by_villages, by_town = [], []
        for _ in range(runs):
            town = rng.choice(eligible)
            three = rng.sample(sorted(children[town]), 3)
            day0 = SPAN[0] + timedelta(days=rng.randrange(span_days))
            gen = np.random.default_rng(rng.randrange(2**32))
            injected = [
                (rng.choice(three), random_moment(rng, day0 + timedelta(days=k)))
                for k in range(14)
                for _n in range(gen.poisson(rate))
            ]
            if not injected:
                continue
            first_report = min(t for _v, t in injected)
            hours = int(
                (
                    datetime.combine(day0 + timedelta(days=14), datetime.min.time()) - first_report
                ).total_seconds()
                // 3600
            )
            delays = [
                first_rise_alarm(
                    sorted(times_of[v] + [t for a, t in injected if a == v]), first_report, hours
                )
                for v in three
            ]
            village = min((d for d in delays if d is not None), default=None)
            everything = sorted(
                [t for v in [town, *children[town]] for t in times_of[v]]
                + [t for _v, t in injected]
            )
            at_town = first_rise_alarm(everything, first_report, hours)
            if village is not None:
                by_villages.append(village)
            if village is not None or at_town is not None:
                by_town.append(min(d for d in (village, at_town) if d is not None))
        print(f"   {rate:g} extra report/day: villages alone {summary(by_villages, runs)}")
        print(f"   {'':>{len(f'{rate:g}') + 18}}with the town  {summary(by_town, runs)}")


def run_rises(rng, eligible, series, start, times_of, multiplier, alpha, runs) -> None:
    bands = defaultdict(lambda: [0, []])
    all_delays = []
    for _ in range(runs):
        key, d, rate = rng.choice(eligible)
        day0 = start + timedelta(days=d)
        gen = np.random.default_rng(rng.randrange(2**32))
        injected = sorted(
            random_moment(rng, day0 + timedelta(days=k))
            for k in range(14)
            for _n in range(gen.poisson((multiplier - 1) * rate))
        )
        band = "1-2/week" if rate * 7 < 2 else ("2-4/week" if rate * 7 < 4 else "≥4/week")
        bands[band][0] += 1
        if not injected:
            continue
        times = sorted(times_of[key] + injected)
        end = datetime.combine(day0 + timedelta(days=14), datetime.min.time())
        delay = first_rise_alarm(
            times, injected[0], int((end - injected[0]).total_seconds() // 3600), alpha=alpha
        )
        if delay is not None:
            bands[band][1].append(delay)
            all_delays.append(delay)
    print(f"   alpha {alpha:g}, {multiplier}× baseline: {summary(all_delays, runs)}")
    for band in ("1-2/week", "2-4/week", "≥4/week"):
        if bands[band][0]:
            print(f"     baseline {band}: {summary(bands[band][1], bands[band][0])}")


if __name__ == "__main__":
    main()
