"""民主评议: one-time codes, voting windows, unlinkable ballots, results, moderation, access."""

import hashlib
import math
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lianxin.core.access import SYSTEM, may
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.keys import mac
from lianxin.core.models import AuditEvent, Notification, Role
from lianxin.evaluation import services
from lianxin.evaluation.appraisal import (
    appraisal_scores,
    rating_summary,
    token_display,
    token_hash,
    token_normalize,
)
from lianxin.evaluation.models import (
    AppraisalCampaign,
    AppraisalComment,
    AppraisalInvitation,
    AppraisalQuestion,
    AppraisalTally,
    AppraisalTarget,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

VOTE = "/evaluation/appraisal/vote/"
VOTE_URL = "http://testserver" + VOTE


@pytest.fixture
def orgdept(district):
    return make_user("orgdept", Role.ORGDEPT, district["root"], is_staff=True)


@pytest.fixture
def campaign(district, orgdept):
    now = timezone.now()
    c = AppraisalCampaign.objects.create(
        name="2025年度部门民主评议",
        year=now.year,
        kind="units",
        created_by=orgdept,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    for order, unit in enumerate([district["vet"], district["env"], district["street"]]):
        AppraisalTarget.objects.create(campaign=c, unit=unit, order=order)
    AppraisalQuestion.objects.create(campaign=c, order=1, kind="rating", text="工作作风")
    AppraisalQuestion.objects.create(campaign=c, order=2, kind="rating", text="办事效率")
    AppraisalQuestion.objects.create(campaign=c, order=3, kind="text", text="意见建议")
    return services.appraisal_campaign_open(campaign=c, actor=orgdept)


def ids(c):
    targets = list(c.targets.order_by("order").values_list("pk", flat=True))
    q_rating = list(
        c.questions.filter(kind="rating").order_by("order").values_list("pk", flat=True)
    )
    q_text = c.questions.get(kind="text").pk
    return targets, q_rating, q_text


def form(c, token, stars, comment=""):
    """POST data of the questionnaire: `stars` = rating for (every target, every question)."""
    targets, q_rating, q_text = ids(c)
    data = {"step": "cast", "token": token}
    for t in targets:
        for q in q_rating:
            data[f"r-{t}-{q}"] = str(stars)
        data[f"t-{t}-{q_text}"] = ""
    if comment:
        data[f"t-{targets[0]}-{q_text}"] = comment
    return data


def state(c):
    """Everything a vote may change, to show that a refused vote changed nothing."""
    return (
        sorted(AppraisalInvitation.objects.filter(campaign=c).values_list("token_hash", "used")),
        sorted(
            AppraisalTally.objects.filter(campaign=c).values_list(
                "pk", "c1", "c2", "c3", "c4", "c5"
            )
        ),
        sorted(AppraisalComment.objects.filter(campaign=c).values_list("id", "text", "status")),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def en():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# --- codes ------------------------------------------------------------------------------------
def test_codes_have_no_look_alikes_and_read_forgivingly(campaign, orgdept):
    tokens = services.appraisal_tokens_issue(campaign=campaign, count=200, actor=orgdept)
    assert len(set(tokens)) == 200 and all(len(t) == 25 for t in tokens)
    assert not set("".join(tokens)) & set("0O1IL")  # nothing on a slip can be misread
    assert len(set("".join(tokens))) == 30  # 30 ** 25: about 122 random bits
    token = tokens[0]
    assert token_display(token).count("-") == 4
    assert token_normalize(token_display(token).lower().replace("-", " ")) == token
    assert token_normalize("ABC") is None
    # Only a keyed hash is stored, never the code.
    stored = set(AppraisalInvitation.objects.values_list("token_hash", flat=True))
    assert {token_hash(t) for t in tokens} == stored
    assert hashlib.sha256(token.encode()).hexdigest() not in stored


def test_codes_of_the_old_format_still_vote(campaign, orgdept):
    """Codes printed before the alphabet changed: 26 base32 characters, typed with 0/1/8 for
    O/I/B."""
    old = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    AppraisalInvitation.objects.create(campaign=campaign, token_hash=token_hash(old))
    assert token_normalize("abcd-efgh-1jkl-mn0p-qrst-uvwx-yz") == old
    targets, q_rating, _q = ids(campaign)
    services.appraisal_vote(
        token="ABCD-EFGH-1JKL-MN0P-QRST-UVWX-YZ", ratings={(targets[0], q_rating[0]): 4}
    )
    assert AppraisalInvitation.objects.get(token_hash=token_hash(old)).used


def test_codes_hashed_before_the_appraisal_code_key_still_vote_and_are_blanked(
    settings, campaign, orgdept
):
    """Codes issued before core.keys were stored as Django's salted HMAC under SECRET_KEY: they
    still vote, and closing still blanks them in the messages. New codes use the appraisal-code
    key, not SECRET_KEY."""
    old = token_normalize(
        services.appraisal_tokens_issue(campaign=campaign, count=1, actor=orgdept)[0]
    )
    legacy = salted_hmac("lianxin.evaluation.appraisal.token", old, algorithm="sha256").hexdigest()
    AppraisalInvitation.objects.filter(token_hash=token_hash(old)).update(token_hash=legacy)
    assert token_hash(old) == mac("appraisal-code", old).hex() != legacy
    Notification.objects.create(
        channel="sms",
        address="13800000000",
        subject="邀请",
        body=f"您的评议码是 {token_display(old)}。",
        link="/evaluation/appraisal/vote/",
    )
    targets, q_rating, _q = ids(campaign)
    services.appraisal_vote(token=old, ratings={(targets[0], q_rating[0]): 5})
    assert AppraisalInvitation.objects.get(token_hash=legacy).used
    services.appraisal_campaign_close(campaign=campaign, actor=orgdept)
    assert Notification.objects.get(subject="邀请").body == "您的评议码是 ****。"


def test_a_code_votes_once_and_a_reuse_changes_nothing(campaign, orgdept):
    token, other = services.appraisal_tokens_issue(campaign=campaign, count=2, actor=orgdept)
    client = en()
    step1 = client.post(VOTE, {"step": "check", "token": token_display(token)})
    assert step1.status_code == 200 and b'id="ballot"' in step1.content
    assert client.post(VOTE, form(campaign, token, 4, "很好")).status_code == 200
    assert AppraisalTally.objects.filter(campaign=campaign, c4=1).count() == 6
    before = state(campaign)

    again = client.post(VOTE, form(campaign, token, 1, "again"))
    assert again.status_code == 409
    assert "already been used" in again.content.decode()
    assert client.post(VOTE, {"step": "check", "token": token}).status_code == 409
    assert state(campaign) == before
    with pytest.raises(InvalidTransition) as error:
        services.appraisal_vote(token=token, ratings={})
    assert error.value.code == "token_used"
    # The other code is unaffected.
    assert client.post(VOTE, form(campaign, other, 5)).status_code == 200


def test_bad_codes_and_bad_ballots_are_refused_without_a_write(campaign, orgdept):
    (token,) = services.appraisal_tokens_issue(campaign=campaign, count=1, actor=orgdept)
    before = state(campaign)
    client = en()
    assert client.post(VOTE, {"step": "check", "token": "hello"}).status_code == 400
    unknown = client.post(VOTE, {"step": "check", "token": "A" * 26})
    assert unknown.status_code == 400 and "was not found" in unknown.content.decode()
    assert client.post(VOTE, {"step": "cast", "token": "A" * 26}).status_code == 400
    empty = client.post(VOTE, form(campaign, token, ""))
    assert empty.status_code == 400 and b'id="ballot"' in empty.content  # form shown again
    targets, q_rating, q_text = ids(campaign)
    assert (
        client.post(
            VOTE, {**form(campaign, token, 3), f"r-{targets[0]}-{q_rating[0]}": "9"}
        ).status_code
        == 400
    )
    assert (
        client.post(VOTE, {**form(campaign, token, 3), f"r-{targets[0]}-{q_text}": "3"}).status_code
        == 400
    )
    assert (
        client.post(
            VOTE, {**form(campaign, token, 3), f"t-{targets[0]}-{q_text}": "x" * 1001}
        ).status_code
        == 400
    )
    assert state(campaign) == before
    assert client.post(VOTE, form(campaign, token, 3)).status_code == 200  # still usable


def test_votes_before_opening_and_after_closing_are_refused(campaign, orgdept):
    token, late = services.appraisal_tokens_issue(campaign=campaign, count=2, actor=orgdept)
    before = state(campaign)
    with time_machine.travel(campaign.opens_at - timedelta(minutes=5)):
        early = en().post(VOTE, form(campaign, token, 5))
        assert early.status_code == 409 and "has not started yet" in early.content.decode()
    with time_machine.travel(campaign.closes_at + timedelta(seconds=1)):
        closed = en().post(VOTE, form(campaign, token, 5))
        assert closed.status_code == 409 and "closed at" in closed.content.decode()
    assert state(campaign) == before

    services.appraisal_campaign_close(campaign=campaign, actor=orgdept)
    before = state(campaign)
    with pytest.raises(InvalidTransition) as error:
        services.appraisal_vote(token=late, ratings={})
    assert error.value.code == "campaign_closed"
    assert en().post(VOTE, {"step": "check", "token": late}).status_code == 409
    assert state(campaign) == before


def test_a_draft_campaign_takes_no_votes(district, orgdept):
    now = timezone.now()
    draft = AppraisalCampaign.objects.create(
        name="草稿", year=now.year, opens_at=now, closes_at=now + timedelta(days=1)
    )
    AppraisalTarget.objects.create(campaign=draft, unit=district["vet"])
    AppraisalQuestion.objects.create(campaign=draft, text="满意吗")
    (token,) = services.appraisal_tokens_issue(campaign=draft, count=1, actor=orgdept)
    assert en().post(VOTE, {"step": "check", "token": token}).status_code == 409


# --- unlinkability ----------------------------------------------------------------------------
def _all_rows():
    """Every row of every table, read with raw SQL: {table: (columns, rows)}."""
    out = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in connection.introspection.table_names(cursor):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            out[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    return out


def _where_found(rows, needles):
    """(table, column) of every stored value containing one of `needles`."""
    found = set()
    for table, (columns, values) in rows.items():
        for row in values:
            for column, value in zip(columns, row, strict=True):
                text = value.hex() if isinstance(value, bytes | memoryview) else str(value)
                if any(n in text for n in needles):
                    found.add((table, column))
    return found


def test_nothing_stored_links_a_ballot_to_its_code(campaign, orgdept, monkeypatch):
    printed = services.appraisal_tokens_issue(campaign=campaign, count=7, actor=orgdept)
    services.appraisal_tokens_send(
        campaign=campaign,
        recipients="13800000001\nvoter@example.org",
        vote_url=VOTE_URL,
        actor=orgdept,
    )
    messages = list(Notification.objects.order_by("pk").values_list("body", flat=True))
    sent = [token_normalize(b.split("#t=")[1].split(".")[0].split()[0]) for b in messages]
    assert all(sent) and len(sent) == 2
    tokens = printed[:6] + sent  # the 7th printed code is never used
    hashes = [token_hash(t) for t in printed + sent]
    audit_before = AuditEvent.objects.count()
    notifications_before = Notification.objects.count()
    layout_before_voting = _physical_order(AppraisalInvitation, campaign, column="token_hash")

    # Comment ids are random (uuid4). Here they are made to fall in voting order reversed, to
    # show that what is stored follows the ids, never the order of voting.
    counter = iter(range(10**6, 0, -1))
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter) << 64))
    voting_order = []
    for k, token in enumerate(tokens):  # vote in a known order, each with its own comment
        text = f"comment-{k}"
        response = Client().post(VOTE, form(campaign, token, 1 + k % 5, text))
        assert response.status_code == 200
        voting_order.append(text)
    monkeypatch.undo()

    # Votes write no audit event and no notification (both carry precise times).
    assert AuditEvent.objects.count() == audit_before
    assert Notification.objects.count() == notifications_before

    codes = printed + sent + [token_display(t) for t in printed + sent]
    plain = [hashlib.sha256(t.encode()).hexdigest() for t in printed + sent]
    rows = _all_rows()
    # While voting is open the codes are only in the invitation messages (until closing) …
    assert _where_found(rows, codes) == {("core_notification", "body")}
    # … their hashes only in the invitation table, which holds nothing else but a used flag.
    assert _where_found(rows, hashes + [h[:16] for h in hashes]) == {
        ("evaluation_appraisalinvitation", "token_hash")
    }
    assert _where_found(rows, plain + [h[:16] for h in plain]) == set()
    assert set(rows["evaluation_appraisalinvitation"][0]) == {
        "id",
        "campaign_id",
        "token_hash",
        "used",
    }

    # The ballot content (tallies, comments) has no column pointing at a code or a person and
    # no time at all; no model anywhere refers to an invitation.
    for model in (AppraisalTally, AppraisalComment):
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField)
            assert field.related_model not in (AppraisalInvitation, *_people_models())
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            assert getattr(field, "related_model", None) is not AppraisalInvitation or (
                model is AppraisalCampaign
            )

    # Comments are read ORDER BY id, which follows the (random) ids — here the reverse of voting.
    by_id = list(AppraisalComment.objects.filter(campaign=campaign).values_list("text", flat=True))
    assert by_id == voting_order[::-1]
    if connection.vendor == "sqlite":
        # The hidden rowid is the physical order: comments lie in id order, and the codes in
        # the (random) hash order of each issuing batch, untouched by voting.
        assert _physical_order(AppraisalComment, campaign) == by_id
        stored = _physical_order(AppraisalInvitation, campaign, column="token_hash")
        assert stored == layout_before_voting
        assert stored[:7] == sorted(hashes[:7]) and stored[7:] == sorted(hashes[7:])
    else:
        # Every vote rewrote every code, tally and comment of the campaign alike: one
        # transaction id (xmin) on them all, and no row placed by which code voted.
        with connection.cursor() as cursor:
            for model in (AppraisalTally, AppraisalComment, AppraisalInvitation):
                cursor.execute(
                    f"SELECT DISTINCT xmin::text FROM {model._meta.db_table} "  # noqa: S608
                    "WHERE campaign_id = %s",
                    [campaign.pk],
                )
                assert len(cursor.fetchall()) == 1

    # Closing blanks the codes in the messages: afterwards no code is stored anywhere.
    services.appraisal_campaign_close(campaign=campaign, actor=orgdept)
    rows = _all_rows()
    assert _where_found(rows, codes) == set()
    assert all("****" in body for body in Notification.objects.values_list("body", flat=True))
    # The results are still all there.
    total = sum(sum(t.histogram.values()) for t in AppraisalTally.objects.filter(campaign=campaign))
    assert total == len(tokens) * 6


def _people_models():
    from django.contrib.auth import get_user_model

    return (get_user_model(), Notification, AuditEvent)


def _physical_order(model, campaign, column="text"):
    """The order rows lie in an SQLite table (its hidden rowid), not an ORDER BY of ours."""
    if connection.vendor != "sqlite":
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE campaign_id = %s "  # noqa: S608
            "ORDER BY rowid",
            [campaign.pk],
        )
        return [row[0] for row in cursor.fetchall()]


# --- results ----------------------------------------------------------------------------------
def test_rating_summary_math(settings):
    settings.APPRAISAL_MIN_RESPONSES = 5
    s = rating_summary({5: 2, 4: 2, 3: 1})  # 5, 5, 4, 4, 3
    assert s["n"] == 5 and s["mean"] == pytest.approx(4.2) and s["shown"]
    assert s["sd"] == pytest.approx(math.sqrt(0.7))
    # Wilson's score interval of p = (4.2 - 1) / 4 = 0.8 with n = 5, mapped back to 1-5.
    z = 1.959964
    centre = (0.8 + z * z / 10) / (1 + z * z / 5)
    half = z * math.sqrt(0.8 * 0.2 / 5 + z * z / 100) / (1 + z * z / 5)
    assert (s["ci_low"], s["ci_high"]) == (
        pytest.approx(1 + 4 * (centre - half)),
        pytest.approx(1 + 4 * (centre + half)),
    )
    assert s["score"] == pytest.approx(80.0)
    one = rating_summary({3: 1})
    assert one["mean"] == 3 and one["sd"] is None and not one["shown"]
    assert rating_summary({})["n"] == 0 and rating_summary({})["mean"] is None


@pytest.mark.parametrize(
    "histogram",
    [{5: 1}, {1: 1}, {5: 1, 1: 1}, {4: 3}, {5: 2, 2: 1}, {5: 40}, {1: 7, 5: 7}, {3: 1, 4: 1}],
)
def test_the_interval_stays_on_the_scale_and_has_width(histogram):
    """Student's t gave -2.85 – 9.85 on a 1–5 scale for two ratings, and a zero-width interval
    when all ratings agree."""
    s = rating_summary(histogram)
    assert 1 <= s["ci_low"] <= s["mean"] <= s["ci_high"] <= 5
    assert s["ci_high"] - s["ci_low"] > 0.05
    if sum(histogram.values()) < 10:
        assert s["ci_high"] - s["ci_low"] > 0.5  # a handful of ratings is not precise


def test_results_counts_means_and_response_rate(campaign, orgdept, district, settings):
    settings.APPRAISAL_MIN_RESPONSES, settings.APPRAISAL_MIN_RESPONSE_RATE = 5, 0.5
    tokens = services.appraisal_tokens_issue(campaign=campaign, count=8, actor=orgdept)
    targets, q_rating, q_text = ids(campaign)
    for token, stars in zip(tokens, [5, 4, 4, 3, 5], strict=False):
        # Only the first target and first question are rated; the rest is "don't know".
        services.appraisal_vote(
            token=token, ratings={(targets[0], q_rating[0]): stars, (targets[1], q_rating[0]): ""}
        )
    assert appraisal_scores(campaign.year) == {}  # still open: not counted yet
    page = en().get(f"/evaluation/appraisal/{campaign.pk}/results/")
    assert page.status_code == 302  # not public
    client = Client()
    client.force_login(orgdept)
    page = client.get(f"/evaluation/appraisal/{campaign.pk}/results/")
    assert page.status_code == 200
    results = page.context["targets"]
    first = results[0]["rows"][0]
    assert (
        first["n"],
        round(first["mean"], 2),
        round(first["ci_low"], 3),
        round(first["ci_high"], 3),
    ) == (5, 4.2, 2.502, 4.855)
    assert results[1]["rows"][0]["n"] == 0
    assert page.context["issued"] == 8 and page.context["voted"] == 5
    assert page.context["response_rate"] == pytest.approx(5 / 8)
    assert 'id="response-rate">62 %' in page.content.decode()

    services.appraisal_campaign_close(campaign=campaign, actor=orgdept)
    assert appraisal_scores(campaign.year) == {district["vet"].pk: 80.0}
    assert appraisal_scores(campaign.year + 1) == {}


# --- comments ---------------------------------------------------------------------------------
def test_comments_are_moderated_before_publication(campaign, orgdept, people, settings):
    settings.APPRAISAL_MIN_RESPONSES = 3
    tokens = services.appraisal_tokens_issue(campaign=campaign, count=3, actor=orgdept)
    for token, text in zip(tokens, ["窗口服务热情", "有人骂人 脏话", "办事太慢"], strict=True):
        Client().post(VOTE, form(campaign, token, 3, text))
    comments = {c.text: c for c in AppraisalComment.objects.all()}
    assert {c.status for c in comments.values()} == {"pending"}
    url = f"/evaluation/appraisal/{campaign.pk}/results/"
    staff = Client()
    staff.force_login(orgdept)
    assert "有人骂人" in staff.get(url).content.decode()  # moderators see everything
    assert (
        staff.post(
            url, {"comment": comments["窗口服务热情"].pk, "decision": "approved"}
        ).status_code
        == 302
    )
    services.appraisal_comment_moderate(
        comment=comments["有人骂人 脏话"], decision="rejected", actor=orgdept
    )
    assert staff.post(url, {"comment": "not-a-uuid", "decision": "approved"}).status_code == 404
    assert (
        staff.post(url, {"comment": comments["办事太慢"].pk, "decision": "maybe"}).status_code
        == 400
    )
    with pytest.raises(PermissionDenied):
        services.appraisal_comment_moderate(
            comment=comments["办事太慢"], decision="approved", actor=people["dispatcher"]
        )
    assert AuditEvent.objects.filter(action="appraisal_comment_moderate").count() == 2

    services.appraisal_campaign_close(campaign=campaign, actor=orgdept)
    assert en().get(url).status_code == 302
    services.appraisal_campaign_publish(campaign=campaign, actor=orgdept)
    public = en().get(url)
    assert public.status_code == 200
    text = public.content.decode()
    assert "窗口服务热情" in text and "有人骂人" not in text and "办事太慢" not in text
    assert "Approve" not in text
    assert campaign.name in en().get("/evaluation/appraisal/").content.decode()


# --- permissions ------------------------------------------------------------------------------
def test_permission_manage_appraisal(people, orgdept):
    assert may(orgdept, "evaluation.manage_appraisal")
    assert may(people["admin"], "evaluation.manage_appraisal")
    for name in ("dispatcher", "vet_leader", "supervisor", "citizen"):
        assert not may(people[name], "evaluation.manage_appraisal"), name


def test_permission_view_appraisal_results(campaign, people, orgdept):
    assert may(orgdept, "evaluation.view_appraisal_results", campaign)
    assert not may(people["citizen"], "evaluation.view_appraisal_results", campaign)
    campaign.status = AppraisalCampaign.Status.PUBLISHED
    assert may(people["citizen"], "evaluation.view_appraisal_results", campaign)


def test_permission_moderate_appraisal_comment(people, orgdept):
    assert may(orgdept, "evaluation.moderate_appraisal_comment")
    assert not may(people["supervisor"], "evaluation.moderate_appraisal_comment")


def test_only_managers_run_campaigns(campaign, people, orgdept):
    for service in (services.appraisal_campaign_close, services.appraisal_campaign_publish):
        with pytest.raises(PermissionDenied):
            service(campaign=campaign, actor=people["dispatcher"])
    with pytest.raises(PermissionDenied):
        services.appraisal_tokens_issue(campaign=campaign, count=1, actor=people["citizen"])
    client = Client()
    client.force_login(people["dispatcher"])
    assert client.get(f"/evaluation/appraisal/{campaign.pk}/").status_code == 403
    assert client.get(f"/evaluation/appraisal/{campaign.pk}/results/").status_code == 403
    assert Client().get(f"/evaluation/appraisal/{campaign.pk}/").status_code == 302
    client.force_login(orgdept)
    assert client.get(f"/evaluation/appraisal/{campaign.pk}/").status_code == 200
    assert client.get("/admin/evaluation/appraisalcampaign/").status_code == 200


# --- administration ---------------------------------------------------------------------------
def test_printable_codes_pdf(campaign, orgdept):
    client = Client()
    client.force_login(orgdept)
    audit_before = AuditEvent.objects.count()
    response = client.post(
        f"/evaluation/appraisal/{campaign.pk}/", {"action": "issue", "count": "12"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AppraisalInvitation.objects.filter(campaign=campaign).count() == 12
    event = AuditEvent.objects.get(pk__gt=audit_before - 0, action="appraisal_tokens_issue")
    assert event.data == {"count": 12, "channel": "print"}
    bad = client.post(f"/evaluation/appraisal/{campaign.pk}/", {"action": "issue", "count": "x"})
    assert bad.status_code == 400
    assert AppraisalInvitation.objects.filter(campaign=campaign).count() == 12


def test_code_slips_embed_a_font_that_has_every_character_and_codes_fit(campaign, orgdept):
    """The slips printed "·" as a box (reportlab's STSong-Light is not embedded and lacks it)
    and wrapped the code onto a second line that began with "-"."""
    import re

    from django.utils import translation
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from lianxin.evaluation.appraisal import token_slips_pdf
    from lianxin.evaluation.pdf import CJK_FONT, FONT_FILE, MONO_FONT

    tokens = services.appraisal_tokens_issue(campaign=campaign, count=3, actor=orgdept)
    with translation.override("zh-hans"):
        pdf = token_slips_pdf(campaign=campaign, tokens=tokens, vote_url=VOTE_URL)
    names = set(re.findall(rb"/BaseFont /(\S+)", pdf))
    assert names and all(b"WenQuanYi" in n for n in names), names  # no unembedded base font
    assert pdf.count(b"/FontFile2") == len(names)  # each font's program is in the file
    face = TTFont("check", str(FONT_FILE), subfontIndex=0).face
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            from django.utils.translation import gettext as _

            texts = [
                _("Democratic appraisal") + " · " + campaign.name,
                _("Scan the QR code with your phone, or open"),
                VOTE_URL,
                _("and enter the code below. One vote per code;"),
                _("your vote is anonymous. Closes %(time)s.") % {"time": "2026-01-01"},
                _("Your appraisal code:"),
            ]
        missing = {ch for text in texts for ch in text if ord(ch) not in face.charToGlyph}
        assert not missing, (lang, missing)
    # One code on one line across the slip at a readable size (slip 105 mm, margins 5 mm).
    slip_inner = (210 / 2 - 10) * 72 / 25.4
    shown = token_display(tokens[0])
    assert pdfmetrics.stringWidth(shown, MONO_FONT, 12) <= slip_inner
    assert CJK_FONT.encode() in pdf
    # Read back as a person would: the middle dot is a real character, each code one line.
    import io

    import pypdf

    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "民主评议 · " + campaign.name in text
    lines = text.splitlines()
    assert all(token_display(t) in lines for t in tokens)
    assert not any(line.startswith("-") for line in lines)


def test_sending_codes_and_bad_recipient_lists(campaign, orgdept):
    with pytest.raises(InvalidInput) as error:
        services.appraisal_tokens_send(
            campaign=campaign, recipients="13800000001\nnonsense", vote_url=VOTE_URL, actor=orgdept
        )
    assert error.value.code == "recipients_invalid"
    assert not AppraisalInvitation.objects.exists() and not Notification.objects.exists()
    sent = services.appraisal_tokens_send(
        campaign=campaign,
        recipients="13800000001, 13800000001；a@example.org",
        vote_url=VOTE_URL,
        actor=orgdept,
    )
    assert sent == 2
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "sms"]
    assert AppraisalInvitation.objects.count() == 2
    event = AuditEvent.objects.get(action="appraisal_tokens_issue")
    assert event.data == {"count": 2, "channel": "message", "sms": 1, "email": 1}
    assert "13800000001" not in str(event.data)


def test_campaign_states_refuse_wrong_moves(campaign, orgdept, district):
    with pytest.raises(InvalidTransition):
        services.appraisal_campaign_publish(campaign=campaign, actor=orgdept)
    with pytest.raises(InvalidTransition):
        services.appraisal_campaign_open(campaign=campaign, actor=orgdept)
    services.appraisal_campaign_close(campaign=campaign, actor=orgdept)
    with pytest.raises(InvalidTransition):
        services.appraisal_tokens_issue(campaign=campaign, count=1, actor=orgdept)
    client = Client()
    client.force_login(orgdept)
    assert (
        client.post(f"/evaluation/appraisal/{campaign.pk}/", {"action": "close"}).status_code == 409
    )
    assert (
        client.post(f"/evaluation/appraisal/{campaign.pk}/", {"action": "publish"}).status_code
        == 302
    )
    campaign.refresh_from_db()
    assert campaign.status == "published"
    now = timezone.now()
    empty = AppraisalCampaign.objects.create(
        name="空", year=2025, opens_at=now, closes_at=now + timedelta(days=1)
    )
    with pytest.raises(InvalidInput):
        services.appraisal_campaign_open(campaign=empty, actor=SYSTEM)


def test_voting_page_is_public_and_fills_the_code_from_the_fragment(db):
    page = Client().get(VOTE)
    assert page.status_code == 200
    body = page.content.decode()
    # site.js fills the field marked data-code-from-hash (tests/test_browser_evaluation.py).
    assert 'id="token-form"' in body and "data-code-from-hash" in body and "js/site.js" in body
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    # Other sites get no referrer; our own POSTs keep their origin (CSRF needs it).
    assert page["Referrer-Policy"] == "same-origin"


def test_the_scheduler_closes_a_campaign_past_its_closing_time(campaign):
    from lianxin.evaluation.tasks import close_due_appraisals

    assert close_due_appraisals() == 0  # still open for a week
    with time_machine.travel(campaign.closes_at + timedelta(minutes=1)):
        assert close_due_appraisals() == 1
        assert close_due_appraisals() == 0
    campaign.refresh_from_db()
    assert campaign.status == AppraisalCampaign.Status.CLOSED
    assert AuditEvent.objects.filter(action="appraisal_closed", object_id=str(campaign.pk)).exists()


def test_results_below_the_minimum_response_are_not_shown(campaign, orgdept, settings):
    """1 vote of 5 codes was published with a mean and an interval; below the minimum (set in
    the environment) no figure is shown to anyone and the rule is stated."""
    settings.APPRAISAL_MIN_RESPONSES, settings.APPRAISAL_MIN_RESPONSE_RATE = 3, 0.5
    tokens = services.appraisal_tokens_issue(campaign=campaign, count=5, actor=orgdept)
    targets, q_rating, _q_text = ids(campaign)
    services.appraisal_vote(token=tokens[0], ratings={(targets[0], q_rating[0]): 2})
    services.appraisal_campaign_close(campaign=campaign, actor=orgdept)
    services.appraisal_campaign_publish(campaign=campaign, actor=orgdept)
    page = en().get(f"/evaluation/appraisal/{campaign.pk}/results/")
    body = page.content.decode()
    assert page.status_code == 200 and not page.context["enough"]
    assert "at least 3 codes have voted and at least 50 %" in body
    assert 'id="too-few"' in body and "2.00" not in body and "<table" not in body
    settings.APPRAISAL_MIN_RESPONSES = 1
    page = en().get(f"/evaluation/appraisal/{campaign.pk}/results/")
    assert page.context["enough"] is False  # 1 of 5 is 20 % < 50 %
    settings.APPRAISAL_MIN_RESPONSE_RATE = 0.2
    page = en().get(f"/evaluation/appraisal/{campaign.pk}/results/")
    assert page.context["enough"] and "2.00" in page.content.decode()


# --- the organisation department's own campaign pages -------------------------------------------
def _campaign_form(district, **changes):
    now = timezone.localtime(timezone.now())
    data = {
        "name": "2026年度部门民主评议",
        "year": str(now.year),
        "kind": "units",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "intro": "请如实评价。",
        "units": [str(district["vet"].pk), str(district["env"].pk)],
        "rating_questions": "工作作风\n办事效率",
        "text_questions": "意见建议",
    }
    data.update(changes)
    return data


def test_the_orgdept_creates_and_changes_a_campaign_on_its_own_pages(district, orgdept, people):
    """The button led to Django admin, which the organisation department may not use."""
    client = Client()
    client.force_login(orgdept)
    assert (
        'href="/evaluation/appraisal/new/"' in client.get("/evaluation/appraisal/").content.decode()
    )
    assert client.get("/evaluation/appraisal/new/").status_code == 200
    audit = AuditEvent.objects.count()
    bad = client.post(
        "/evaluation/appraisal/new/",
        _campaign_form(
            district, name=" ", closes_at="2000-01-01T00:00", units=[], rating_questions=""
        ),
    )
    assert bad.status_code == 400
    assert set(bad.context["errors"]) == {"name", "closes_at", "units", "rating_questions"}
    assert bad.context["values"]["intro"] == "请如实评价。"  # nothing typed is lost
    assert not AppraisalCampaign.objects.exists() and AuditEvent.objects.count() == audit

    done = client.post("/evaluation/appraisal/new/", _campaign_form(district))
    campaign = AppraisalCampaign.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/evaluation/appraisal/{campaign.pk}/"
    assert campaign.status == "draft" and campaign.created_by == orgdept
    assert [t.unit for t in campaign.targets.order_by("order")] == [
        district["vet"],
        district["env"],
    ]
    assert list(campaign.questions.values_list("kind", "text")) == [
        ("rating", "工作作风"),
        ("rating", "办事效率"),
        ("text", "意见建议"),
    ]
    assert AuditEvent.objects.filter(action="appraisal_create", object_id=str(campaign.pk)).exists()

    edit = f"/evaluation/appraisal/{campaign.pk}/edit/"
    assert "工作作风" in client.get(edit).content.decode()
    client.post(
        edit,
        _campaign_form(district, kind="cadres", units=[], cadres=[str(people["vet_leader"].pk)]),
    )
    assert [t.cadre for t in campaign.targets.all()] == [people["vet_leader"]]
    assert (
        client.post(f"/evaluation/appraisal/{campaign.pk}/", {"action": "open"}).status_code == 302
    )
    # Opened: the questionnaire is frozen.
    assert client.get(edit).status_code == 302
    with pytest.raises(InvalidTransition):
        services.appraisal_campaign_update(
            campaign=campaign, actor=orgdept, **_campaign_form(district)
        )
    outsider = Client()
    outsider.force_login(people["dispatcher"])
    assert outsider.get("/evaluation/appraisal/new/").status_code == 403
    assert outsider.post("/evaluation/appraisal/new/", _campaign_form(district)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.appraisal_campaign_create(actor=people["dispatcher"], **_campaign_form(district))
    assert AppraisalCampaign.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_sent_code_is_forgotten_nothing_links_it_to_the_person(
    campaign, orgdept, settings, caplog
):
    """The invitation messages are delivered, then their text and address are erased; the
    default SMS and mail backends never log a code or an address."""
    from lianxin.core.models import Notification
    from tests.test_supervision_reports import database_dump

    settings.EMAIL_BACKEND = "lianxin.core.mail.QuietConsoleEmailBackend"
    settings.SMS_BACKEND = "lianxin.core.sms.LoggingSmsBackend"
    caplog.set_level("DEBUG")
    services.appraisal_tokens_send(
        campaign=campaign,
        recipients="13912345678\nvoter@example.org",
        vote_url="http://testserver/evaluation/appraisal/vote/",
        actor=orgdept,
    )
    from lianxin.core.queue import work_pending

    work_pending()  # the delivery: a task with a broker, run_schedule without
    sent = Notification.objects.filter(forget_after_send=True)
    assert sent.count() == 2 and all(n.status == "sent" for n in sent)
    assert all(n.body == "" and n.address == "" for n in sent)
    dump = database_dump()
    for secret in (b"13912345678", b"voter@example.org"):
        assert secret not in dump
    assert "13912345678" not in caplog.text and "voter@example.org" not in caplog.text
    from lianxin.evaluation.appraisal import TOKEN_IN_TEXT_RE

    assert not TOKEN_IN_TEXT_RE.search(caplog.text)
