"""Shared fixtures: a small district with a person for every role."""

import pytest
from django.contrib.auth import get_user_model

from lianxin.appeals.models import Category
from lianxin.core.models import Role, RoleAssignment, Unit


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for the browser tests (tests/browser.py drives it)."""
    from tests.browser import launch_chromium

    yield from launch_chromium()


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """The per-process catalogue and calendar caches must not outlive a test's rollback."""
    from lianxin.appeals.catalogue import forget_catalogue
    from lianxin.core.calendar import forget_overrides
    from lianxin.core.queue import broker_back
    from lianxin.core.ratelimit import local_counter
    from lianxin.insight.suggest import forget_router

    forgets = (forget_catalogue, forget_overrides, forget_router, local_counter.clear, broker_back)
    for forget in forgets:
        forget()
    yield
    for forget in forgets:
        forget()


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """With a broker (CELERY_BROKER_URL, as in CI's PostgreSQL pass) a queued task runs
    in-process at once, unless a test drives a real worker (marker `celery_worker`). Without
    one nothing is queued: a test runs the sweepers as `run_schedule` does (`work_pending`)."""
    from lianxin.celery import app

    eager = request.node.get_closest_marker("celery_worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _no_two_factor(settings, request):
    """The second factor is tested on purpose (marker `two_factor`, tests/test_two_factor.py);
    every other test signs its inspector or administrator in with the password alone."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.LIANXIN_TWO_FACTOR_ROLES = []


@pytest.fixture(autouse=True)
def _no_rate_limits(settings, request):
    """Rate limits are tested on purpose (marker `ratelimit`), not hit by accident."""
    if request.node.get_closest_marker("ratelimit") is None:
        settings.PUBLIC_SUBMIT_RATE = "off"
        settings.TRACK_RATE = "off"
        settings.OPEN311_KEY_RATE = "off"
        settings.OPEN311_READ_RATE = "off"
        settings.DUTY_RATING_ANON_RATE = "off"
        settings.EVALUATION_PUBLIC_RATE = "off"
        settings.LOGIN_RATE_ACCOUNT_ADDRESS = "off"
        settings.LOGIN_RATE_ADDRESS = "off"
        settings.LOGIN_RATE_ACCOUNT = "off"
        settings.LOGIN_RATE_OTP = "off"
        settings.CITIZEN_CODE_RATE_PHONE = "off"
        settings.CITIZEN_CODE_RATE_ADDRESS = "off"
        settings.CITIZEN_CODE_RESEND_SECONDS = 0
        settings.CITIZEN_SIGNIN_FAIL_RATE_ADDRESS = "off"
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        from django.core.cache import cache

        # The cache lives in the database: make sure the test's database is set up first.
        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )

        cache.clear()


@pytest.fixture
def district(db):
    root = Unit.objects.create(name="示范区", code="district", kind="district")
    hotline = Unit.objects.create(name="12345热线中心", code="hotline", kind="hotline", parent=root)
    vet = Unit.objects.create(name="畜牧兽医局", code="vet", kind="department", parent=root)
    env = Unit.objects.create(name="生态环境局", code="env", kind="department", parent=root)
    street = Unit.objects.create(name="东城街道", code="east", kind="street", parent=root)
    community = Unit.objects.create(
        name="东湖社区", code="east-lake", kind="community", parent=street
    )
    return {
        "root": root,
        "hotline": hotline,
        "vet": vet,
        "env": env,
        "street": street,
        "community": community,
    }


def make_user(username: str, role: str | None, unit: Unit | None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, email=f"{username}@example.org", **extra
    )
    if role:
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def people(district):
    d = district
    return {
        "dispatcher": make_user("dispatcher", Role.DISPATCHER, d["root"]),
        "vet_handler": make_user("vet_handler", Role.HANDLER, d["vet"]),
        "vet_leader": make_user("vet_leader", Role.LEADER, d["vet"]),
        "env_handler": make_user("env_handler", Role.HANDLER, d["env"]),
        "street_handler": make_user("street_handler", Role.HANDLER, d["street"]),
        "supervisor": make_user("supervisor", Role.SUPERVISOR, d["root"]),
        "inspector": make_user("inspector", Role.INSPECTOR, d["root"]),
        "admin": make_user("admin", Role.ADMIN, d["root"], is_staff=True, is_superuser=True),
        "citizen": make_user("citizen", Role.CITIZEN, d["root"]),
    }


@pytest.fixture
def chief(district):
    return make_chief(district["root"])


def make_chief(root: Unit):
    """Holds every working role over the whole district: the actor of tests in which only an
    appeal's state, never a permission, may forbid an act. (A Django superuser is no such
    actor: it administers, and the rules give it no work.)"""
    chief = make_user("chief", Role.DISPATCHER, root)
    for role in (Role.HANDLER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN):
        RoleAssignment.objects.create(user=chief, role=role, unit=root)
    return chief


@pytest.fixture
def categories(district):
    group = Category.objects.create(code="animal", name="农村农业")
    epidemic = Category.objects.create(
        code="animal-epidemic",
        name="动物疫病",
        parent=group,
        default_unit=district["vet"],
        auto_dispatch=True,
        handling_days=1,
        contact_hours=2,
    )
    noise = Category.objects.create(code="env-noise", name="噪音污染", default_unit=district["env"])
    return {"group": group, "epidemic": epidemic, "noise": noise}


@pytest.fixture
def cheap_crypto(settings, tmp_path):
    """argon2 at its minimum cost (never in production), and a private media folder: the
    reporting channel's keys and receipts in a test that is not about their cost."""
    import nacl.pwhash

    settings.REPORT_RECEIPT_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    cheap = (nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN)
    settings.REPORT_RECEIPT_KDF = cheap
    settings.INSPECTOR_PASSPHRASE_KDF = cheap
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The demo district as `make run` loads it, with fewer appeals: what the crawl and the
    journeys of the demo roles walk through. Every demo person's password is DEMO_PASSWORD.
    Its files (the notice's attachment) go to a private media folder."""
    from lianxin.demo import load_demo

    settings.MEDIA_ROOT = tmp_path / "media"

    return load_demo(appeals=60)
