"""述职述廉 and 质询: one rating per citizen, moderated comments, the rating measure; inquiry
deadlines on working days, on-time and late answers, who answers, 409 on wrong transitions."""

import hashlib
import hmac
from datetime import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lianxin.core import clock
from lianxin.core.calendar import LOCAL, Calendar
from lianxin.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    RateLimited,
)
from lianxin.core.keys import mac
from lianxin.core.models import AuditEvent, RateCounter, Role
from lianxin.evaluation import services
from lianxin.evaluation.measures import measure_values
from lianxin.evaluation.models import CommentStatus, Inquiry, InquiryStatus, ReportRating
from lianxin.evaluation.selectors import (
    duty_report_unit_ratings,
    inquiries_on_time_share,
    report_comments_public,
)
from tests.appeals_helpers import fast_passwords  # noqa: F401
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

YEAR = 2025
MONDAY = datetime(YEAR, 3, 3, 10, 0, tzinfo=LOCAL)
FRIDAY_BEFORE_QINGMING = datetime(YEAR, 3, 28, 10, 0, tzinfo=LOCAL)


@pytest.fixture
def citizens(district):
    return [make_user(f"citizen{n}", Role.CITIZEN, district["root"]) for n in range(3)]


@pytest.fixture
def report(people, district):
    report = services.duty_report_create(
        author=people["vet_leader"],
        unit=district["vet"],
        year=YEAR,
        title="2025年述职述廉报告",
        text="履职情况和廉洁自律情况。",
    )
    return services.duty_report_publish(report=report, actor=people["vet_leader"])


def events(obj) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


# --- duty-and-integrity reports ------------------------------------------------------------------


def test_a_cadre_writes_drafts_and_publishes_once(client, people, district):
    leader = people["vet_leader"]
    draft = services.duty_report_create(
        author=leader, unit=district["vet"], year=YEAR, title="畜牧兽医局局长年度草稿", text="内容"
    )
    with pytest.raises(InvalidTransition):  # a draft cannot be rated
        services.duty_report_rate(report=draft, actor=people["citizen"], stars=5)
    assert "年度草稿" not in client.get(reverse("evaluation:reports")).content.decode()
    assert client.get(reverse("evaluation:report", args=[draft.pk])).status_code == 404
    services.duty_report_update(report=draft, actor=leader, title="述职述廉", text="新内容")
    services.duty_report_publish(report=draft, actor=leader)
    with pytest.raises(InvalidTransition):
        services.duty_report_publish(report=draft, actor=leader)
    with pytest.raises(InvalidTransition):
        services.duty_report_update(report=draft, actor=leader, title="改", text="改")
    client.force_login(leader)
    response = client.post(reverse("evaluation:report-publish", args=[draft.pk]))
    assert response.status_code == 409
    assert events(draft) == [
        ("duty_report_create", "", "draft"),
        ("duty_report_update", "", ""),
        ("duty_report_publish", "draft", "published"),
    ]
    with pytest.raises(Conflict):
        services.duty_report_create(
            author=leader, unit=district["vet"], year=YEAR, title="again", text="again"
        )
    # Only for a unit where the cadre holds a post, and only cadres.
    with pytest.raises(PermissionDenied):
        services.duty_report_create(
            author=leader, unit=district["env"], year=YEAR, title="x", text="x"
        )
    with pytest.raises(PermissionDenied):
        services.duty_report_create(
            author=people["citizen"], unit=district["vet"], year=YEAR, title="x", text="x"
        )


def test_one_rating_per_citizen_account(report, citizens):
    services.duty_report_rate(report=report, actor=citizens[0], stars=4)
    with pytest.raises(Conflict) as error:
        services.duty_report_rate(report=report, actor=citizens[0], stars=1)
    assert error.value.code == "already_rated"
    assert list(ReportRating.objects.values_list("stars", flat=True)) == [4]
    for stars in (0, 6, "x", None):
        with pytest.raises(InvalidInput):
            services.duty_report_rate(report=report, actor=citizens[1], stars=stars)
    assert ReportRating.objects.count() == 1


def test_officials_and_the_author_do_not_rate(report, people):
    for official in (people["vet_leader"], people["vet_handler"], people["supervisor"]):
        with pytest.raises(PermissionDenied):
            services.duty_report_rate(report=report, actor=official, stars=5)
    assert not ReportRating.objects.exists()


def test_an_address_that_rated_before_the_duty_rating_key_cannot_rate_again(settings, report):
    """Ratings stored before core.keys were keyed with SECRET_KEY: they still count as the
    address's rating, while new ones use the duty-rating key; the rate counter names the
    address by a keyed tag, not by a hash anyone can recompute over all of IPv4."""
    settings.DUTY_RATING_ANON_RATE = "10/hour"

    def old_key(address):
        message = f"duty-rating:{report.pk}:{address}".encode()
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()

    ReportRating.objects.create(report=report, anon_key=old_key("10.0.0.9"), stars=4)
    with pytest.raises(Conflict):
        services.duty_report_rate(report=report, stars=1, client_address="10.0.0.9")
    services.duty_report_rate(report=report, stars=2, client_address="10.0.0.10")
    stored = ReportRating.objects.get(stars=2).anon_key
    assert stored == mac("duty-rating", f"duty-rating:{report.pk}:10.0.0.10").hex()
    assert stored != old_key("10.0.0.10")
    plain = hashlib.sha256(b"10.0.0.10").hexdigest()[:32]
    names = list(RateCounter.objects.values_list("name", flat=True))
    assert any(name.startswith("duty-rating-anon:") for name in names)
    assert not any(plain in name or "10.0.0.10" in name for name in names)


def test_anonymous_ratings_one_per_address_and_rate_limited(settings, report, people, district):
    settings.DUTY_RATING_ANON_RATE = "2/hour"
    services.duty_report_rate(report=report, stars=5, client_address="10.0.0.1")
    with pytest.raises(Conflict):
        services.duty_report_rate(report=report, stars=1, client_address="10.0.0.1")
    services.duty_report_rate(report=report, stars=3, client_address="10.0.0.2")
    rating = ReportRating.objects.get(stars=5)
    assert rating.user is None and rating.anon_key and "10.0.0.1" not in rating.anon_key
    others = []
    for author, unit in (
        (people["vet_handler"], district["vet"]),
        (people["env_handler"], district["env"]),
    ):
        other = services.duty_report_create(
            author=author, unit=unit, year=YEAR, title="另一份", text="内容"
        )
        others.append(services.duty_report_publish(report=other, actor=author))
    services.duty_report_rate(report=others[0], stars=4, client_address="10.0.0.1")
    with pytest.raises(RateLimited):  # a third anonymous rating from the address this hour
        services.duty_report_rate(report=others[1], stars=4, client_address="10.0.0.1")
    assert ReportRating.objects.count() == 3
    settings.DUTY_RATING_ANON_RATE = "off"
    services.duty_report_rate(report=others[1], stars=4, client_address="10.0.0.1")
    with pytest.raises(PermissionDenied):  # no address, no account: not taken
        services.duty_report_rate(report=others[1], stars=4)


def test_comments_are_published_only_after_moderation(client, report, citizens, people):
    orgdept = make_user("orgdept", Role.ORGDEPT, report.unit.parent)
    rating = services.duty_report_rate(
        report=report, actor=citizens[0], stars=2, comment="报告太空泛，没有写具体成效。"
    )
    assert rating.comment_status == CommentStatus.PENDING
    page = client.get(reverse("evaluation:report", args=[report.pk])).content.decode()
    assert "报告太空泛" not in page
    with pytest.raises(PermissionDenied):
        services.report_comment_moderate(rating=rating, actor=people["vet_leader"], approve=True)
    client.force_login(orgdept)
    assert "报告太空泛" in client.get(reverse("evaluation:reports-moderation")).content.decode()
    response = client.post(
        reverse("evaluation:reports-moderation"), {"rating": rating.pk, "decision": "approve"}
    )
    assert response.status_code == 302
    assert list(report_comments_public(report)) == [rating]
    client.logout()
    assert (
        "报告太空泛" in client.get(reverse("evaluation:report", args=[report.pk])).content.decode()
    )
    with pytest.raises(InvalidTransition):
        services.report_comment_moderate(rating=rating, actor=orgdept, approve=False)
    rejected = services.duty_report_rate(
        report=report, actor=citizens[1], stars=1, comment="骂人的话"
    )
    services.report_comment_moderate(rating=rejected, actor=orgdept, approve=False)
    assert list(report_comments_public(report)) == [rating]
    assert events(rejected)[-1] == ("report_comment_moderate", "pending", "rejected")


def test_rating_page_once_per_citizen(client, report, citizens):
    client.force_login(citizens[0])
    url = reverse("evaluation:report", args=[report.pk])
    assert client.post(url, {"stars": "5", "comment": ""}).status_code == 302
    assert client.post(url, {"stars": "1", "comment": ""}).status_code == 409
    assert '<span class="big">5.0</span>' in client.get(url).content.decode()
    client.logout()
    # A form-filling robot (the hidden field filled) is thanked and nothing is stored.
    assert client.post(url, {"stars": "1", "website": "http://spam"}).status_code == 302
    assert ReportRating.objects.count() == 1


def test_duty_report_rating_feeds_the_indicator_per_unit(people, district, citizens):
    """Mean over the unit's cadres' reports of each report's mean, 1–5 scaled to 0–100."""
    for author, stars in ((people["vet_leader"], [5, 5, 5]), (people["vet_handler"], [3, 2, 4])):
        report = services.duty_report_create(
            author=author, unit=district["vet"], year=YEAR, title="述职", text="内容"
        )
        services.duty_report_publish(report=report, actor=author)
        for citizen, n in zip(citizens, stars, strict=True):
            services.duty_report_rate(report=report, actor=citizen, stars=n)
    units = [district["vet"], district["env"], district["root"]]
    ratings = duty_report_unit_ratings(units, YEAR)
    assert ratings[district["vet"].pk] == pytest.approx(75.0)  # (5 + 3) / 2 = 4 -> 75
    assert ratings[district["env"].pk] is None
    assert ratings[district["root"].pk] == pytest.approx(75.0)  # the subtree
    assert duty_report_unit_ratings(units, YEAR - 1)[district["vet"].pk] is None
    assert measure_values(["duty_report_rating"], units, YEAR)["duty_report_rating"] == ratings


# --- inquiries --------------------------------------------------------------------------------


def ask(citizen, unit, *, at=MONDAY, title="为什么拖延审批？", **extra):
    with clock.at(at):
        return services.inquiry_submit(
            asker=citizen, unit=unit, title=title, text="请说明原因。", **extra
        )


def test_deadline_is_counted_in_working_days(settings, people, district):
    inquiry = ask(people["citizen"], district["vet"])
    # 15 working days after Monday 3 March: Monday 24 March, at the end of the working day.
    assert inquiry.deadline == datetime(YEAR, 3, 24, 17, 0, tzinfo=LOCAL)
    # Over Qingming (4–6 April are rest days): 21 April, not 18 April.
    over_holiday = ask(people["citizen"], district["vet"], at=FRIDAY_BEFORE_QINGMING)
    assert over_holiday.deadline == datetime(YEAR, 4, 21, 17, 0, tzinfo=LOCAL)
    assert over_holiday.deadline == Calendar().add_workdays(FRIDAY_BEFORE_QINGMING, 15)
    settings.INQUIRY_ANSWER_WORKDAYS = 3
    assert ask(people["citizen"], district["vet"]).deadline == datetime(
        YEAR, 3, 6, 17, 0, tzinfo=LOCAL
    )


def test_only_the_units_leader_answers(client, people, district):
    inquiry = ask(people["citizen"], district["vet"])
    env_leader = make_user("env_leader", Role.LEADER, district["env"])
    for other in (people["vet_handler"], env_leader, people["citizen"], people["supervisor"]):
        with pytest.raises(PermissionDenied):
            services.inquiry_answer(inquiry=inquiry, actor=other, text="答复")
    client.force_login(people["vet_handler"])
    url = reverse("evaluation:inquiry", args=[inquiry.pk])
    assert "answer-text" not in client.get(url).content.decode()
    assert client.post(url, {"action": "answer", "answer": "答复"}).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN
    client.force_login(people["vet_leader"])
    assert client.post(url, {"action": "answer", "answer": "已经批复。"}).status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.answer, inquiry.answered_by) == (
        InquiryStatus.ANSWERED,
        "已经批复。",
        people["vet_leader"],
    )


def test_wrong_transitions_are_409_and_every_change_is_audited(client, people, district):
    inquiry = ask(people["citizen"], district["vet"])
    with clock.at(datetime(YEAR, 3, 5, 9, tzinfo=LOCAL)):
        services.inquiry_answer(inquiry=inquiry, actor=people["vet_leader"], text="答复。")
    with pytest.raises(InvalidTransition) as error:
        services.inquiry_answer(inquiry=inquiry, actor=people["vet_leader"], text="再答一次")
    assert error.value.status == 409
    with pytest.raises(InvalidTransition):
        services.inquiry_withdraw(inquiry=inquiry, actor=people["citizen"])
    client.force_login(people["vet_leader"])
    response = client.post(
        reverse("evaluation:inquiry", args=[inquiry.pk]), {"action": "answer", "answer": "再答"}
    )
    assert response.status_code == 409
    withdrawn = ask(people["citizen"], district["vet"])
    with pytest.raises(PermissionDenied):  # only the asker withdraws
        services.inquiry_withdraw(inquiry=withdrawn, actor=people["vet_leader"])
    services.inquiry_withdraw(inquiry=withdrawn, actor=people["citizen"])
    with pytest.raises(InvalidTransition):
        services.inquiry_answer(inquiry=withdrawn, actor=people["vet_leader"], text="答复")
    assert events(inquiry) == [
        ("inquiry_submit", "", "open"),
        ("inquiry_answer", "open", "answered"),
    ]
    assert events(withdrawn) == [
        ("inquiry_submit", "", "open"),
        ("inquiry_withdraw", "open", "withdrawn"),
    ]
    answer_event = AuditEvent.objects.get(action="inquiry_answer")
    assert answer_event.data == {"on_time": True}


def test_answered_on_time_late_and_missing_make_the_measure(people, district):
    vet = district["vet"]
    on_time = ask(people["citizen"], vet)
    late = ask(people["citizen"], vet)
    missing = ask(people["citizen"], vet)  # never answered
    assert missing.status == InquiryStatus.OPEN
    withdrawn = ask(people["citizen"], vet)
    not_yet_due = ask(people["citizen"], vet, at=datetime(YEAR, 12, 30, 10, tzinfo=LOCAL))
    with clock.at(datetime(YEAR, 3, 24, 16, 59, tzinfo=LOCAL)):  # the last minute
        services.inquiry_answer(inquiry=on_time, actor=people["vet_leader"], text="答复。")
    with clock.at(datetime(YEAR, 3, 25, 9, 0, tzinfo=LOCAL)):  # a day late: still taken
        services.inquiry_answer(inquiry=late, actor=people["vet_leader"], text="答复。")
    services.inquiry_withdraw(inquiry=withdrawn, actor=people["citizen"])
    assert Inquiry.objects.get(pk=on_time.pk).answered_on_time is True
    assert Inquiry.objects.get(pk=late.pk).answered_on_time is False
    assert not_yet_due.deadline.year == YEAR + 1
    # Seen at the end of April: three were due (answered on time, late, missing).
    at = datetime(YEAR, 4, 30, tzinfo=LOCAL)
    share = inquiries_on_time_share([vet, district["env"], district["root"]], YEAR, now=at)
    assert share[vet.pk] == pytest.approx(1 / 3)
    assert share[district["root"].pk] == pytest.approx(1 / 3)
    assert share[district["env"].pk] is None  # nothing due: no figure, not zero
    # Before the deadline passed, the missing answer was not yet due: 1 of 2.
    before = datetime(YEAR, 3, 24, 17, 30, tzinfo=LOCAL)
    assert inquiries_on_time_share([vet], YEAR, now=datetime(YEAR, 3, 24, 16, tzinfo=LOCAL))[
        vet.pk
    ] == pytest.approx(1 / 2)
    assert inquiries_on_time_share([vet], YEAR, now=before)[vet.pk] == pytest.approx(1 / 3)
    values = measure_values(["inquiries_on_time"], [vet], YEAR)["inquiries_on_time"]
    assert values[vet.pk] == pytest.approx(100 / 3)


def test_who_may_ask(people, district):
    with pytest.raises(PermissionDenied):  # an official is not a citizen
        ask(people["vet_handler"], district["env"])
    with pytest.raises(PermissionDenied):
        ask(people["citizen"], district["vet"], as_deputy=True)
    deputy = make_user("deputy", None, None)
    deputy.groups.add(Group.objects.create(name="deputies"))
    inquiry = ask(deputy, district["vet"], as_deputy=True, cadre=people["vet_leader"])
    assert (inquiry.asker_kind, inquiry.cadre) == ("deputy", people["vet_leader"])
    with pytest.raises(InvalidInput) as error:  # the cadre must hold a post in the unit
        ask(people["citizen"], district["env"], cadre=people["vet_leader"])
    assert error.value.code == "cadre_not_in_unit"
    with pytest.raises(InvalidInput):
        ask(people["citizen"], district["vet"], title="")


def test_public_list_shows_inquiries_and_answers(client, people, district):
    inquiry = ask(people["citizen"], district["vet"])
    services.inquiry_answer(inquiry=inquiry, actor=people["vet_leader"], text="公开的答复内容")
    page = client.get(reverse("evaluation:inquiries")).content.decode()
    assert "为什么拖延审批" in page and "answered late" not in page
    detail = client.get(reverse("evaluation:inquiry", args=[inquiry.pk])).content.decode()
    assert "公开的答复内容" in detail
    client.force_login(people["citizen"])
    response = client.post(
        reverse("evaluation:inquiry-new"),
        {"unit": district["env"].pk, "title": "噪音为何没人管", "text": "请答复。"},
    )
    assert response.status_code == 302
    assert Inquiry.objects.filter(unit=district["env"], asker=people["citizen"]).exists()


def test_pages_render_for_each_role(client, people, district, report, citizens):
    inquiry = ask(citizens[0], district["vet"])
    services.duty_report_rate(report=report, actor=citizens[0], stars=4, comment="好")
    anonymous_pages = [
        reverse("evaluation:reports"),
        reverse("evaluation:report", args=[report.pk]),
        reverse("evaluation:inquiries"),
        reverse("evaluation:inquiry", args=[inquiry.pk]),
    ]
    for url in anonymous_pages:
        assert client.get(url).status_code == 200, url
    client.force_login(people["vet_leader"])
    for url in [
        reverse("evaluation:reports-mine"),
        reverse("evaluation:report-new"),
        reverse("evaluation:report-edit", args=[report.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    assert (
        "answer-text"
        in client.get(reverse("evaluation:inquiry", args=[inquiry.pk])).content.decode()
    )
    response = client.post(
        reverse("evaluation:report-new"),
        {"unit": district["vet"].pk, "year": YEAR - 1, "title": "2024年述职", "text": "内容"},
    )
    assert response.status_code == 302
    client.force_login(citizens[1])
    page = client.get(reverse("evaluation:inquiry-new") + f"?unit={district['vet'].pk}")
    assert page.status_code == 200 and "vet_leader" in page.content.decode()
    assert client.get(reverse("evaluation:reports-moderation")).status_code == 403
    client.force_login(people["admin"])
    assert client.get(reverse("evaluation:reports-moderation")).status_code == 200
    for model in ("dutyreport", "inquiry", "reportrating"):
        assert client.get(reverse(f"admin:evaluation_{model}_changelist")).status_code == 200


def test_a_citizen_without_an_account_asks_by_name_and_mobile_and_gets_the_answer_by_sms(
    client, people, district
):
    """Citizens were told to log in to ask, but had no way to get an account."""
    from lianxin.core.models import Notification

    listing = client.get(reverse("evaluation:inquiries")).content.decode()
    assert (
        'id="ask-inquiry"' in listing
        and "/login/" not in listing.split('id="ask-inquiry"')[0][-200:]
    )
    url = reverse("evaluation:inquiry-new")
    page = client.get(url, {"unit": district["vet"].pk})
    assert page.status_code == 200 and 'name="phone"' in page.content.decode()
    form = {
        "unit": district["vet"].pk,
        "title": "审批为何拖延？",
        "text": "请说明原因。",
        "name": "王芳",
        "phone": "1380000",
    }
    bad = client.post(url, form)
    assert bad.status_code == 400 and bad.context["form"].errors["phone"]
    assert 'value="王芳"' in bad.content.decode() and "请说明原因。" in bad.content.decode()
    assert not Inquiry.objects.exists()
    done = client.post(url, {**form, "phone": "138 0000 0001"})
    inquiry = Inquiry.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "evaluation:inquiry", args=[inquiry.pk]
    )
    assert (inquiry.asker, inquiry.asker_name, inquiry.asker_phone) == (None, "王芳", "13800000001")
    detail = client.get(done["Location"]).content.decode()
    assert "审批为何拖延" in detail and "13800000001" not in detail and "王芳" not in detail
    services.inquiry_answer(inquiry=inquiry, actor=people["vet_leader"], text="已于本周办结。")
    sms = Notification.objects.get(channel="sms")
    assert sms.address == "13800000001" and str(inquiry.pk) in sms.link
    assert "已于本周办结" in client.get(done["Location"]).content.decode()
    # Officials ask through their own channels; a deputy asks with an account.
    client.force_login(people["dispatcher"])
    assert client.get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        services.inquiry_submit(
            asker=None,
            unit=district["vet"],
            title="t",
            text="q",
            name="王芳",
            phone="13800000001",
            as_deputy=True,
        )


def test_inquiries_without_an_account_are_rate_limited(settings, district):
    settings.PUBLIC_SUBMIT_RATE = "2/hour"
    for n in range(2):
        services.inquiry_submit(
            asker=None,
            unit=district["vet"],
            title=f"问{n}",
            text="q",
            name="王芳",
            phone="13800000001",
            ident="10.0.0.1",
        )
    with pytest.raises(RateLimited):
        services.inquiry_submit(
            asker=None,
            unit=district["vet"],
            title="问",
            text="q",
            name="王芳",
            phone="13800000001",
            ident="10.0.0.1",
        )
    assert Inquiry.objects.count() == 2


@pytest.mark.parametrize(
    "who, shown",
    [
        (None, False),
        ("citizen", False),
        ("dispatcher", False),
        ("vet_handler", False),
        ("vet_leader", True),
        ("inspector", True),
        ("supervisor", True),
    ],
)
@pytest.mark.parametrize("url", ["/evaluation/", "/evaluation/reports/", "/evaluation/inquiries/"])
def test_the_indicator_system_is_linked_only_for_those_who_may_open_it(
    client, people, who, shown, url
):
    # A link that answers 403 or the login page is a dead end for the person it is shown to.
    if who:
        client.force_login(people[who])
    html = client.get(url).content.decode()
    assert ('href="/evaluation/indicators/"' in html) is shown
    if who:
        assert client.get("/evaluation/indicators/").status_code == (200 if shown else 403)
