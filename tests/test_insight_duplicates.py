"""重复诉求: fingerprints, intake suggestions within the window, the dispatcher's page and the
re-indexing command."""

from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from lianxin.appeals import services as appeal_services
from lianxin.appeals.models import Appeal, Status
from lianxin.core.models import AuditEvent
from lianxin.core.queue import work_pending
from lianxin.insight import duplicates
from lianxin.insight.models import DuplicateCandidate, DuplicateKey

from .appeals_helpers import MONDAY_10, fast_passwords  # noqa: F401

MIXER = (
    "A2区丽发新城附近建搅拌站噪音扰民",
    "我是A2区丽发新城小区的一名业主，投诉同发投资有限公司在离小区不到百米的地方修建搅拌站，"
    "每天早6点到晚8点设备都在运行，噪音和灰尘严重影响居民休息，请相关部门尽快处理。",
)
MIXER_AGAIN = (
    "投诉丽发新城小区附近违建搅拌站噪音扰民",
    "A2区丽发新城小区业主再次投诉：同发投资有限公司在离小区不到百米的地方修建搅拌站，"
    "每天早6点到晚8点设备都在运行，噪音和灰尘严重，居民无法休息，请尽快处理。",
)
MIXER_ELSEWHERE = (
    "A5区金色溪泉湾附近建搅拌站噪音扰民",
    "A5区金色溪泉湾小区旁边的物流园里新开了一家汽修厂，每天夜里敲打钣金，"
    "油漆味很重，请环保部门来查一查。",
)


# --- pure functions -----------------------------------------------------------------------


def test_normalise_folds_width_case_and_punctuation():
    assert duplicates.normalise("　Ａ市，\t丽发新城！ABC\n") == "a市丽发新城abc"


def test_shingles_are_exact_three_character_windows():
    ids = duplicates.shingle_ids("丽发新城")
    assert len(ids) == 2
    assert len(duplicates.shingle_ids("丽发新城丽发新城")) == 4  # 丽发新 发新城 新城丽 城丽发
    assert len(duplicates.shingle_ids("ab")) == 1


def test_band_keys_are_deterministic_and_fit_a_signed_bigint():
    fp1 = duplicates.fingerprint(*MIXER)
    fp2 = duplicates.fingerprint(*MIXER)
    assert fp1.bands == fp2.bands
    assert len(fp1.bands) == duplicates.BANDS
    assert all(0 <= k < 2**63 for k in fp1.keys)
    bulk = duplicates.band_keys_bulk(np.stack([duplicates.minhash(fp1.shingles)] * 3))
    assert bulk.tolist() == [fp1.bands] * 3


def test_minhash_agreement_estimates_jaccard():
    a = duplicates.shingle_ids(duplicates.appeal_text(*MIXER))
    b = duplicates.shingle_ids(duplicates.appeal_text(*MIXER_AGAIN))
    common = len(np.intersect1d(a, b))
    jaccard = common / (len(a) + len(b) - common)
    agree = float(np.mean(duplicates.minhash(a) == duplicates.minhash(b)))
    assert abs(agree - jaccard) < 0.3


def test_places_find_the_compound_and_ignore_the_admin_prefix():
    names = duplicates.places(*MIXER)
    assert "丽发新城" in names
    assert not any(n.startswith("a2") for n in names)


def test_verify_accepts_a_repeat_and_rejects_another_place():
    new = duplicates.fingerprint(*MIXER_AGAIN)
    assert duplicates.verify(new, duplicates.fingerprint(*MIXER)) > 0
    assert duplicates.verify(new, duplicates.fingerprint(*MIXER_ELSEWHERE)) == 0
    assert duplicates.verify(new, duplicates.fingerprint("", "")) == 0


# --- intake -------------------------------------------------------------------------------


@pytest.fixture
def submit(django_capture_on_commit_callbacks, district):
    def run(title, content, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            appeal, _ = appeal_services.appeal_submit(title=title, content=content, **kwargs)
        work_pending()  # what run_schedule does without a broker (a task did it with one)
        return appeal

    return run


@pytest.mark.django_db
def test_intake_suggests_the_earlier_appeal_about_the_same_place(submit):
    first = submit(*MIXER, created_at=MONDAY_10)
    second = submit(*MIXER_AGAIN, created_at=MONDAY_10 + timedelta(days=3))
    assert DuplicateKey.objects.filter(appeal=first).count() >= duplicates.BANDS
    pair = DuplicateCandidate.objects.get()
    assert (pair.appeal, pair.earlier) == (second, first)
    assert 0 < pair.score <= 1


@pytest.mark.django_db
def test_intake_does_not_suggest_an_appeal_about_another_place(submit):
    submit(*MIXER, created_at=MONDAY_10)
    submit(*MIXER_ELSEWHERE, created_at=MONDAY_10 + timedelta(days=1))
    assert not DuplicateCandidate.objects.exists()


@pytest.mark.django_db
def test_appeals_outside_the_window_are_not_suggested(submit, settings):
    settings.DUPLICATE_WINDOW_DAYS = 30
    submit(*MIXER, created_at=MONDAY_10)
    submit(*MIXER_AGAIN, created_at=MONDAY_10 + timedelta(days=31))
    assert not DuplicateCandidate.objects.exists()


@pytest.mark.django_db
def test_history_imported_out_of_order_still_points_at_the_earlier(submit):
    later = submit(*MIXER_AGAIN, created_at=MONDAY_10 + timedelta(days=3))
    earlier = submit(*MIXER, created_at=MONDAY_10)
    pair = DuplicateCandidate.objects.get()
    assert (pair.appeal, pair.earlier) == (later, earlier)


# --- the page -----------------------------------------------------------------------------


@pytest.fixture
def pair(submit):
    first = submit(*MIXER, created_at=MONDAY_10)
    second = submit(*MIXER_AGAIN, created_at=MONDAY_10 + timedelta(days=2))
    return first, second, DuplicateCandidate.objects.get()


@pytest.mark.django_db
def test_page_is_forbidden_to_a_handler(client, people, pair):
    client.force_login(people["vet_handler"])
    assert client.get("/insight/duplicates/").status_code == 403
    assert client.post(f"/insight/duplicates/{pair[2].pk}/dismiss/").status_code == 403
    assert not DuplicateCandidate.objects.get().dismissed


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "admin"])
def test_page_shows_the_pair_side_by_side(client, people, pair, role):
    first, second, _ = pair
    client.force_login(people[role])
    page = client.get("/insight/duplicates/").content.decode()
    assert second.tracking_number in page and first.tracking_number in page


@pytest.mark.django_db
def test_merge_into_the_earlier_appeal(client, people, pair):
    first, second, candidate = pair
    client.force_login(people["dispatcher"])
    response = client.post(
        f"/insight/duplicates/{candidate.pk}/merge/", {"version": second.version}, follow=True
    )
    assert response.status_code == 200
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.master == first
    assert 'class="success"' in response.content.decode()
    assert second.tracking_number not in client.get("/insight/duplicates/").content.decode()


@pytest.mark.django_db
def test_a_stale_version_is_an_error_message_not_a_500(client, people, pair):
    _first, second, candidate = pair
    client.force_login(people["dispatcher"])
    response = client.post(
        f"/insight/duplicates/{candidate.pk}/merge/", {"version": second.version + 5}, follow=True
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert Appeal.objects.get(pk=second.pk).status == Status.SUBMITTED


@pytest.mark.django_db
def test_not_a_duplicate_hides_the_pair_and_is_audited(client, people, pair):
    _first, second, candidate = pair
    client.force_login(people["dispatcher"])
    client.post(f"/insight/duplicates/{candidate.pk}/dismiss/")
    candidate.refresh_from_db()
    assert candidate.dismissed and candidate.dismissed_by == people["dispatcher"]
    assert second.tracking_number not in client.get("/insight/duplicates/").content.decode()
    assert (
        AuditEvent.objects.filter(action="duplicate_dismiss", object_id=str(candidate.pk)).count()
        == 1
    )


# --- re-indexing --------------------------------------------------------------------------


@pytest.mark.django_db
def test_duplicates_index_is_idempotent(pair):
    first, second, candidate = pair
    DuplicateCandidate.objects.filter(pk=candidate.pk).update(dismissed=True)
    before = sorted(DuplicateKey.objects.values_list("appeal_id", "band_key"))
    DuplicateKey.objects.filter(appeal=first).delete()
    for _ in range(2):
        out = StringIO()
        call_command("duplicates_index", "--batch", "1", "--suggest", stdout=out)
        assert "fingerprinted 2/2 appeals" in out.getvalue()
    assert sorted(DuplicateKey.objects.values_list("appeal_id", "band_key")) == before
    assert DuplicateCandidate.objects.count() == 1
    assert DuplicateCandidate.objects.get().dismissed  # a dismissal survives re-indexing
