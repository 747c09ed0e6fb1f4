"""The demo district's signals for the insight pages (hot issues, duplicates, early warning)."""

import csv
import random
from datetime import datetime, timedelta

from lianxin.appeals.models import Category, Channel, Urgency
from lianxin.appeals.services import appeal_submit
from lianxin.core import clock

from .appeals import DATA, GIVEN, SURNAMES, _clean

# The last week's signals for the insight pages. One matter many citizens raise at once: real
# messages about one place from the hot-issues data, left for the dispatcher (hot issue and
# duplicates). And three reports of dead pigs in one village within two days, which alarm the
# veterinary bureau: invented, because the data has no such cluster.
HOT_PLACE = "丽发新城"
HOT_MESSAGES = 8
CLUSTER = [
    (
        "大湾村好几头猪突然死了",
        "桥头镇大湾村3组我家养的猪这两天死了三头，发烧不吃食，怕是猪瘟，请兽医来看看。",
    ),
    (
        "大湾村路边沟里有死猪",
        "桥头镇大湾村村口水沟里有两头死猪，没人处理，天热很臭，担心传染给别家的猪。",
    ),
    (
        "大湾村邻居家猪发病",
        "桥头镇大湾村5组邻居家十几头猪发病，有的已经病死，请畜牧部门尽快来处理。",
    ),
]


def recent_signals(*, rng: random.Random, categories: dict[str, Category], now: datetime) -> None:
    rows = csv.DictReader((DATA / "hot-issues-messages.csv").open(encoding="utf-8"))
    hot = [r for r in rows if HOT_PLACE in r["留言主题"]][:HOT_MESSAGES]
    for r in hot:
        with clock.at(now - timedelta(hours=rng.uniform(2, 24 * 6))):
            appeal_submit(
                title=_clean(r["留言主题"])[:60],
                content=_clean(r["留言详情"])[:5000],
                channel=Channel.IMPORT,
                source_ref=f"hot:{r['留言编号']}",
                is_public=True,
                contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                actor_label="12345",
            )
    for n, (title, content) in enumerate(CLUSTER):
        with clock.at(now - timedelta(hours=40 - 16 * n)):
            appeal_submit(
                title=title,
                content=content,
                category=categories["动物疫病"],
                urgency=Urgency.URGENT,
                channel=Channel.IMPORT,
                source_ref=f"demo-cluster:{n}",
                address="桥头镇大湾村",
                contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                actor_label="12345",
            )
