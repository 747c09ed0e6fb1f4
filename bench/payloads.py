"""Realistic intake bodies: real citizen messages (data/teddy2020/train.csv) with a random
phone, name, urgency, track and a category of the message's own group."""

import csv
import json
import random
import re
from pathlib import Path

TRAIN = Path(__file__).resolve().parent.parent / "data" / "teddy2020" / "train.csv"
MAX_CONTENT = 5000  # the intake's limit (services.MAX_CONTENT): longer messages would be 400s
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"]
STREETS = ["东湖社区", "迎宾社区", "锦绣社区", "滨河社区", "幸福社区", "大湾村", "青山村"]
# Roughly the mix a hotline sees: most ordinary, few emergencies.
URGENCIES = [("ordinary", 80), ("urgent", 10), ("complex", 7), ("emergency", 3)]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _title_of(text: str) -> str:
    # Same rule as lianxin.demo.appeals._title_of: train.csv joins title and letter.
    cut = re.split(r"尊敬的|您好|你好|。|！|？|!|\?|，", text, maxsplit=1)[0].strip()
    return (cut or text)[:30]


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def build(groups: dict[str, list[str]], *, count: int = 4000, seed: int = 12345) -> list[bytes]:
    """`count` JSON bodies, encoded once so the load generator spends no time building them."""
    rng = random.Random(seed)
    rows = [r for r in csv.DictReader(TRAIN.open(encoding="utf-8")) if _clean(r["text"])]
    rng.shuffle(rows)
    urgencies, weights = zip(*URGENCIES, strict=True)
    bodies = []
    for n in range(count):
        row = rows[n % len(rows)]
        text = _clean(row["text"])
        codes = groups.get(row["label"], [])
        roll = rng.random()
        # Most citizens pick a sub-category, some only the group, some leave it to the dispatcher.
        if codes and roll < 0.70:
            category = rng.choice(codes[1:] or codes)
        elif codes and roll < 0.85:
            category = codes[0]
        else:
            category = ""
        body = {
            "title": _title_of(text),
            "content": text[:MAX_CONTENT],
            "category": category,
            "urgency": rng.choices(urgencies, weights)[0],
            "track": "xinfang" if rng.random() < 0.1 else "hotline",
            "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "contact_phone": _phone(rng),
            "address": f"{rng.choice(STREETS)}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元",
            "is_public": rng.random() < 0.3,
        }
        if rng.random() < 0.2:
            body["contact_email"] = f"citizen{n}@example.com"
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies
