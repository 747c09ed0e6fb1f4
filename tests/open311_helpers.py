"""Shared set-up for the Open311 tests: keys and public appeals at chosen times."""

from datetime import timedelta

from lianxin.appeals import services as appeal_services
from lianxin.core import clock
from lianxin.core.access import SYSTEM
from lianxin.open311.services import api_key_create, service_attributes_seed


def make_key(name: str = "city-app") -> str:
    _key, raw = api_key_create(name=name)
    return raw


def make_data() -> dict:
    """Three public appeals (one closed, 10 days ago) and one private one; needs the
    `categories` fixture."""
    service_attributes_seed()
    now = clock.now()
    epidemic, _ = appeal_services.appeal_submit(
        title="猪发病",
        content="村里三头猪发病，请来看看。",
        category="animal-epidemic",
        contact_name="张三",
        contact_phone="13812345678",
        contact_email="zhang@example.org",
        address="东湖村5组",
        lat="30.500000",
        long="114.300000",
        is_public=True,
        created_at=now - timedelta(days=2),
    )
    noise, _ = appeal_services.appeal_submit(
        title="夜间施工噪音",
        content="工地夜里施工。",
        category="env-noise",
        contact_name="李四",
        contact_phone="13900001111",
        address="东城路1号",
        is_public=True,
        created_at=now - timedelta(days=1),
    )
    closed, _ = appeal_services.appeal_submit(
        title="死猪乱扔",
        content="河边有死猪。",
        category="animal-epidemic",
        contact_name="王五",
        contact_phone="13700002222",
        is_public=True,
        created_at=now - timedelta(days=10),
    )
    appeal_services.appeal_accept(appeal=closed, actor=SYSTEM)
    appeal_services.appeal_reply(
        appeal=closed,
        actor=SYSTEM,
        text="您反映的河边有死猪的问题，我局已于当日派员打捞河边死猪并作无害化处理，河边死猪已清理完毕。"
        "依据《动物防疫法》第五十七条，我局将加强巡查，发现乱扔死猪的依法查处。",
    )
    appeal_services.appeal_follow_up(
        appeal=closed, resolved=True, satisfaction="satisfied", by_citizen=True
    )
    private, _ = appeal_services.appeal_submit(
        title="私事",
        content="我家邻居赵六的电话是13600003333。",
        category="env-noise",
        contact_name="赵六",
        contact_phone="13600003333",
    )
    return {"epidemic": epidemic, "noise": noise, "closed": closed, "private": private}


PERSONAL = [
    "张三",
    "李四",
    "王五",
    "赵六",
    "13812345678",
    "13900001111",
    "13700002222",
    "13600003333",
    "zhang@example.org",
]


def assert_no_personal_data(body: bytes | str) -> None:
    text = body.decode() if isinstance(body, bytes) else body
    for value in PERSONAL:
        assert value not in text, value
