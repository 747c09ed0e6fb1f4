"""Two demo appeals with photos (图片附件): a missing manhole cover a citizen photographed on
the portal (public, photo allowed), and a dark street lamp whose handler replied with a
photo after the repair. The pictures are drawn here with Pillow (no file shipped, no
licence to track); they go through the same intake and reply services as a phone's photo.

Keyed by source reference: a second run finds the appeals and adds nothing."""

import io
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw

from lianxin.appeals.models import Appeal, Category, Channel
from lianxin.appeals.services import (
    appeal_accept,
    appeal_dispatch,
    appeal_reply,
    appeal_submit,
)
from lianxin.core import clock, uploads
from lianxin.core.models import Unit

MANHOLE_REF = "demo-photo:manhole"
LAMP_REF = "demo-photo:lamp"
LAMP_REPLY = (
    "您好！您反映的迎宾路东段路灯不亮的问题，东城街道已联系路灯维护单位于次日晚上更换了灯具和"
    "线路，现已恢复照明（见维修后照片）。根据《城市道路照明设施管理规定》，我们已将该路段列入"
    "每周夜间巡查。感谢您的反映。"
)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def manhole_picture() -> bytes:
    """A pavement with an open manhole and a warning cone."""
    image = Image.new("RGB", (1200, 900), (150, 150, 145))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1200, 120):  # paving slabs
        draw.line([(x, 0), (x, 900)], fill=(120, 120, 118), width=3)
    for y in range(0, 900, 120):
        draw.line([(0, y), (1200, y)], fill=(120, 120, 118), width=3)
    draw.ellipse([430, 380, 770, 560], fill=(25, 25, 25), outline=(90, 80, 70), width=12)
    draw.polygon([(880, 620), (960, 320), (1040, 620)], fill=(240, 110, 20))
    draw.rectangle([905, 440, 1015, 480], fill=(245, 245, 245))
    return _jpeg(image)


def lamp_picture(lit: bool) -> bytes:
    """A street lamp at night, dark before the repair and lit after it."""
    image = Image.new("RGB", (900, 1200), (20, 24, 48))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 1000, 900, 1200], fill=(60, 60, 60))  # the road
    draw.rectangle([430, 300, 460, 1000], fill=(110, 110, 115))  # the post
    draw.rectangle([330, 270, 560, 310], fill=(110, 110, 115))  # the arm
    if lit:
        draw.polygon([(300, 310), (590, 310), (760, 1000), (130, 1000)], fill=(90, 85, 50))
        draw.ellipse([300, 290, 380, 340], fill=(255, 240, 170))
    else:
        draw.ellipse([300, 290, 380, 340], fill=(70, 70, 75))
    return _jpeg(image)


def _street_category() -> Category | None:
    """A category a street handles (城乡建设 or the like); any active one will do."""
    return (
        Category.objects.filter(is_active=True, parent__isnull=False, default_unit__kind="street")
        .order_by("code")
        .first()
        or Category.objects.filter(is_active=True, parent__isnull=False).order_by("code").first()
    )


def load(*, now: datetime | None = None) -> None:
    now = now or clock.now()
    category = _street_category()
    if not Appeal.objects.filter(channel=Channel.WEB, source_ref=MANHOLE_REF).exists():
        with clock.at(now - timedelta(hours=5)):
            appeal_submit(
                title="迎宾路人行道井盖丢失",
                content="迎宾路12号门口人行道上的井盖不见了，晚上很危险，已有老人差点踩空。",
                category=category,
                channel=Channel.WEB,
                address="东城街道迎宾路12号",
                is_public=True,
                photos=[uploads.buffer(manhole_picture(), "井盖.jpg")],
                photos_public=True,
                source_ref=MANHOLE_REF,
            )
    if Appeal.objects.filter(channel=Channel.WEB, source_ref=LAMP_REF).exists():
        return
    street = Unit.objects.filter(code="dongcheng").first()
    User = get_user_model()
    dispatcher = User.objects.filter(username="dispatcher").first()
    handler = User.objects.filter(username="handler-dongcheng").first()
    if street is None or dispatcher is None or handler is None:
        return  # a partial demo (tests load parts of it): nothing to hand the lamp to
    with clock.at(now - timedelta(days=2)):
        lamp, _created = appeal_submit(
            title="迎宾路东段路灯不亮",
            content="迎宾路东段有三盏路灯一周没亮了，晚上走路看不清。",
            channel=Channel.WEB,
            address="东城街道迎宾路东段",
            is_public=True,
            photos=[uploads.buffer(lamp_picture(lit=False), "路灯.jpg")],
            photos_public=True,
            source_ref=LAMP_REF,
        )
    with clock.at(now - timedelta(days=2) + timedelta(minutes=20)):
        lamp = appeal_dispatch(appeal=lamp, unit=street, actor=dispatcher)
    with clock.at(now - timedelta(days=1, hours=20)):
        lamp = appeal_accept(appeal=lamp, actor=handler)
    with clock.at(now - timedelta(hours=20)):
        appeal_reply(
            appeal=lamp,
            actor=handler,
            text=LAMP_REPLY,
            after_photos=[uploads.buffer(lamp_picture(lit=True), "修好后.jpg")],
            photos_public=True,
        )
