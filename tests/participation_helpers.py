"""Building participation records for tests through the services (as the pages do)."""

from datetime import timedelta

from lianxin.core import clock
from lianxin.participation.services import notices

TEXT = """关于调整畜禽养殖禁养区的公告（征求意见稿）

第一条 为保护饮用水水源，调整本区畜禽养殖禁养区范围。

第二条 东湖水库一级保护区及其外延500米划入禁养区。
禁养区内现有养殖场于2027年底前关闭或搬迁。

第三条 搬迁的养殖户按每头存栏生猪300元给予补助。"""


def open_notice(unit, actor, *, days=30, text=TEXT, **extra):
    """A notice whose comment period began a day ago and runs `days` days."""
    start = clock.now() - timedelta(days=1)
    return notices.notice_create(
        actor=actor,
        unit=unit,
        title="畜禽养殖禁养区调整方案",
        text=text,
        opens_at=start,
        closes_at=start + timedelta(days=days),
        **extra,
    )


def after(notice, days=1):
    """The moment `days` after the notice's comment period ended."""
    return clock.at(notice.closes_at + timedelta(days=days))
