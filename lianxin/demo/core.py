"""The demo district's organisation (core): its units and a person for every role.

Idempotent: units are keyed by code, people by username."""

from typing import Any

from django.contrib.auth import get_user_model

from lianxin.core.models import Role, RoleAssignment, Unit

DEMO_PASSWORD = "lianxin-demo"  # noqa: S105 - printed for the demo, documented in the README

DEPARTMENTS = [
    ("vet", "畜牧兽医局"),
    ("env", "生态环境局"),
    ("housing", "住房和城乡建设局"),
    ("hrss", "人力资源和社会保障局"),
    ("edu", "教育局"),
    ("health", "卫生健康委员会"),
    ("transport", "交通运输局"),
    ("commerce", "商务局"),
    ("market", "市场监督管理局"),
    ("agri", "农业农村局"),
    ("civil", "民政局"),
    ("land", "自然资源局"),
    ("police", "公安分局"),
    ("gov-office", "区政府办公室"),
]
STREETS = [
    (
        "dongcheng",
        "东城街道",
        "street",
        [
            ("dongcheng-donghu", "东湖社区", "community"),
            ("dongcheng-yingbin", "迎宾社区", "community"),
            ("dongcheng-heping", "和平社区", "community"),
        ],
    ),
    (
        "xicheng",
        "西城街道",
        "street",
        [("xicheng-jinxiu", "锦绣社区", "community"), ("xicheng-wenhua", "文化社区", "community")],
    ),
    (
        "nanhu",
        "南湖街道",
        "street",
        [
            ("nanhu-binhe", "滨河社区", "community"),
            ("nanhu-lifa", "丽发社区", "community"),
            ("nanhu-xingfu", "幸福社区", "community"),
        ],
    ),
    (
        "qiaotou",
        "桥头镇",
        "town",
        [
            ("qiaotou-dawan", "大湾村", "village"),
            ("qiaotou-shiqiao", "石桥村", "village"),
            ("qiaotou-liushu", "柳树村", "village"),
        ],
    ),
    (
        "guoyuan",
        "果园镇",
        "town",
        [("guoyuan-xunlong", "浔龙村", "village"), ("guoyuan-huaxin", "花新村", "village")],
    ),
    (
        "baishui",
        "白水乡",
        "town",
        [
            ("baishui-shangba", "上坝村", "village"),
            ("baishui-xiaba", "下坝村", "village"),
            ("baishui-qingshan", "青山村", "village"),
        ],
    ),
]


def _ensure_unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent}
    )
    return unit


def load_units() -> dict[str, Unit]:
    root = _ensure_unit("district", "示范区", "district", None)
    units = {"district": root, "hotline": _ensure_unit("hotline", "12345热线中心", "hotline", root)}
    for code, name in DEPARTMENTS:
        units[code] = _ensure_unit(code, name, "department", root)
    for code, name, kind, children in STREETS:
        street = units[code] = _ensure_unit(code, name, kind, root)
        for ccode, cname, ckind in children:
            units[ccode] = _ensure_unit(ccode, cname, ckind, street)
    return units


def _person(username: str, name: str, role: str, unit: Unit, **extra: Any) -> Any:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=name,
            email=f"{username}@demo.lianxin.local",
            **extra,
        )
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    return user


def load_people(units: dict[str, Unit]) -> list[tuple[str, str, str]]:
    """Returns (username, role, unit) of the demo logins, for printing."""
    root = units["district"]
    people = [
        ("admin", "系统管理员", Role.ADMIN, root, {"is_staff": True, "is_superuser": True}),
        ("dispatcher", "派单员小李", Role.DISPATCHER, root, {}),
        ("supervisor", "督办科老周", Role.SUPERVISOR, root, {}),
        ("inspector", "纪检员老吴", Role.INSPECTOR, root, {}),
        ("orgdept", "组织部小陈", Role.ORGDEPT, root, {}),
        ("citizen", "群众王大妈", Role.CITIZEN, root, {}),
    ]
    for code, name in DEPARTMENTS:
        people.append((f"handler-{code}", f"{name}承办人", Role.HANDLER, units[code], {}))
        people.append((f"leader-{code}", f"{name}负责人", Role.LEADER, units[code], {}))
    for code, name, _kind, _children in STREETS:
        people.append((f"handler-{code}", f"{name}承办人", Role.HANDLER, units[code], {}))
        people.append((f"leader-{code}", f"{name}负责人", Role.LEADER, units[code], {}))
    for username, name, role, unit, extra in people:
        _person(username, name, role, unit, **extra)
    return [(p[0], p[2], p[3].name) for p in people]
