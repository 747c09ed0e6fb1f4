"""The contact-point pages: a citizen books without an account and gets the code, refusals are
4xx with a Chinese message and save nothing, booking is throttled, the public page shows past
receptions and their appeals without personal data, bookings are for the unit's staff only
(masked for a supervisor), and the staff record a reception and file a matter."""

from datetime import timedelta

import pytest
from django.utils import translation

from lianxin.appeals.models import Appeal
from lianxin.outreach.models import Booking, BookingStatus, ReceptionDay, ReceptionStatus
from lianxin.outreach.services import (
    booking_make,
    reception_matter_add,
    reception_matter_to_appeal,
    reception_record,
)

from . import reception_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .reception_helpers import at_day, local_today, schedule, schedule_past

village = reception_helpers.village
point = reception_helpers.point
operator = reception_helpers.operator

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def post_booking(client, slot, **fields):
    data = {"name": "李大爷", "phone": "13812345678", "matter": "想反映饲料补贴的事"}
    data.update(fields)
    return client.post(f"/outreach/contact-points/slots/{slot.pk}/book/", data, **ZH)


def test_a_citizen_books_without_an_account_and_sees_the_code(client, point, people):
    reception = schedule(point, people["vet_handler"])
    listing = client.get("/outreach/contact-points/", **ZH).content.decode()
    assert point.name in listing and reception.day.isoformat() in listing
    page = client.get(f"/outreach/contact-points/{point.pk}/", **ZH).content.decode()
    assert "剩余 2 个名额" in page
    slot = reception.slots.first()
    answer = post_booking(client, slot)
    assert answer.status_code == 302 and answer["Location"] == "/outreach/contact-points/booked/"
    booking = Booking.objects.get()
    done = client.get("/outreach/contact-points/booked/", **ZH).content.decode()
    assert booking.code in done and "138****5678" in done and "13812345678" not in done


def test_a_full_slot_is_a_409_with_a_chinese_message_and_nothing_saved(client, point, people):
    slot = schedule(point, people["vet_handler"], capacity=1).slots.first()
    post_booking(client, slot, phone="13800000001")
    answer = post_booking(client, slot, phone="13800000002")
    assert answer.status_code == 409
    assert "该时段名额已约满" in answer.content.decode()
    assert "13800000002" in answer.content.decode()  # what was typed stays in the form
    assert Booking.objects.count() == 1
    page = client.get(f"/outreach/contact-points/{point.pk}/", **ZH).content.decode()
    assert "已约满" in page


def test_a_bad_phone_is_a_400_and_saves_nothing(client, point, people):
    slot = schedule(point, people["vet_handler"]).slots.first()
    answer = post_booking(client, slot, phone="12345")
    assert answer.status_code == 400
    assert "11 位大陆手机号码" in answer.content.decode()
    assert not Booking.objects.exists()


def test_a_missing_slot_is_a_404(client):
    assert (
        client.get("/outreach/contact-points/slots/99999999999999999999/book/").status_code == 404
    )


@pytest.mark.ratelimit
def test_public_booking_is_throttled(client, point, people, settings):
    settings.PUBLIC_SUBMIT_RATE = "2/hour"
    slot = schedule(point, people["vet_handler"], capacity=10).slots.first()
    assert post_booking(client, slot, phone="13800000001").status_code == 302
    assert post_booking(client, slot, phone="13800000002").status_code == 302
    refused = post_booking(client, slot, phone="13800000003")
    assert refused.status_code == 429
    client.force_login(people["citizen"])  # an account is no way round the limit
    assert post_booking(client, slot, phone="13800000004").status_code == 429
    client.force_login(
        people["vet_handler"]
    )  # the unit's staff booking for callers are not limited
    assert post_booking(client, slot, phone="13800000005").status_code == 302
    assert Booking.objects.count() == 3


@pytest.mark.ratelimit
def test_cancelling_is_throttled_against_guessing(client, point, people, settings):
    settings.TRACK_RATE = "3/hour"
    booking = booking_make(
        slot=schedule(point, people["vet_handler"]).slots.first(),
        name="李大爷",
        phone="13812345678",
        matter="补贴",
    )
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC"):
        answer = client.post(
            "/outreach/contact-points/cancel/", {"code": guess, "phone": "13812345678"}, **ZH
        )
        assert answer.status_code == 404
    answer = client.post(
        "/outreach/contact-points/cancel/", {"code": booking.code, "phone": "13812345678"}, **ZH
    )
    assert answer.status_code == 429
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_cancel_with_code_and_phone(client, point, people):
    booking = booking_make(
        slot=schedule(point, people["vet_handler"]).slots.first(),
        name="李大爷",
        phone="13812345678",
        matter="补贴",
    )
    answer = client.post(
        "/outreach/contact-points/cancel/",
        {"code": booking.code, "phone": "13812345678"},
        follow=True,
        **ZH,
    )
    assert "预约已取消" in answer.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


@pytest.fixture
def past(point, people):
    """A reception held a week ago: one booked citizen came and raised a matter filed as an
    appeal; a walk-in's matter was answered there."""
    reception = schedule_past(point, people["vet_handler"])
    with at_day(reception, hour=7):
        booking = booking_make(
            slot=reception.slots.first(),
            name="张养殖",
            phone="13900001111",
            matter="检疫证明办理慢",
        )
    reception_record(
        actor=people["vet_leader"], reception=reception, attended=[booking.pk], walk_ins=1
    )
    filed = reception_matter_add(
        actor=people["vet_handler"],
        reception=reception,
        booking=booking,
        title="生猪调运检疫证明办理慢",
        content="张养殖反映要跑三趟。",
    )
    appeal = reception_matter_to_appeal(actor=people["vet_handler"], matter=filed)
    reception_matter_add(
        actor=people["vet_handler"],
        reception=reception,
        title="禁养区边界咨询",
        content="王某问自家是否在禁养区内。",
        name="王某",
        phone="13700000000",
    )
    return {"reception": reception, "booking": booking, "appeal": appeal}


def test_the_public_page_shows_what_followed_without_personal_data(client, point, past):
    page = client.get(f"/outreach/contact-points/{point.pk}/", **ZH).content.decode()
    assert "生猪调运检疫证明办理慢" in page and past["appeal"].tracking_number in page
    with translation.override("zh-hans"):
        assert str(past["appeal"].get_status_display()) in page
    assert "禁养区边界咨询" in page and "已现场答复" in page
    assert "接待 2 人次" in page  # one booked citizen came, one walked in
    for personal in (
        "张养殖",
        "13900001111",
        "王某",
        "13700000000",
        "要跑三趟",
        past["booking"].code,
    ):
        assert personal not in page, personal


def test_bookings_are_for_the_units_staff_masked_for_a_supervisor(client, point, people, past):
    url = f"/outreach/receptions/days/{past['reception'].pk}/"
    client.force_login(people["vet_handler"])
    staff = client.get(url, **ZH).content.decode()
    assert "张养殖" in staff and "13900001111" in staff
    client.force_login(people["supervisor"])
    overseer = client.get(url, **ZH)
    assert overseer.status_code == 200
    text = overseer.content.decode()
    assert "张*" in text and "139****1111" in text
    assert "张养殖" not in text.replace("张养殖反映", "")  # the matter's text is not a name
    for outsider in ("env_handler", "dispatcher", "citizen"):
        client.force_login(people[outsider])
        assert client.get(url).status_code == 404, outsider
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_staff_publish_a_day_with_clear_refusals(client, point, people):
    client.force_login(people["vet_handler"])
    url = f"/outreach/receptions/points/{point.pk}/"
    day = (local_today() + timedelta(days=5)).isoformat()
    bad = client.post(url, {"day": day, "slots": "9点到10点", "capacity": "3"}, **ZH)
    assert bad.status_code == 400 and "09:00-10:00" in bad.content.decode()
    past_day = (local_today() - timedelta(days=1)).isoformat()
    old = client.post(url, {"day": past_day, "slots": "09:00-10:00", "capacity": "3"}, **ZH)
    assert old.status_code == 400 and "接访日不能早于今天" in old.content.decode()
    assert not ReceptionDay.objects.exists()
    ok = client.post(url, {"day": day, "slots": "09:00-10:00\n14:00-15:30", "capacity": "3"})
    assert ok.status_code == 302
    reception = ReceptionDay.objects.get()
    assert [s.capacity for s in reception.slots.all()] == [3, 3]
    client.force_login(people["supervisor"])  # sees the schedule, may not change it
    assert client.get(url).status_code == 200
    client.post(url, {"day": day, "slots": "16:00-17:00", "capacity": "3"})
    assert ReceptionDay.objects.count() == 1


def test_staff_record_a_reception_and_file_a_matter_through_the_page(client, point, people):
    reception = schedule_past(point, people["vet_handler"])
    with at_day(reception, hour=7):
        booking = booking_make(
            slot=reception.slots.first(), name="张养殖", phone="13900001111", matter="检疫"
        )
    client.force_login(people["vet_leader"])
    url = f"/outreach/receptions/days/{reception.pk}/"
    answer = client.post(
        url,
        {
            "action": "record",
            "attended": [str(booking.pk)],
            "walk_ins": "0",
            "summary": "接待养殖户一人。",
            "version": str(reception.version),
        },
    )
    assert answer.status_code == 302
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.HELD
    client.post(
        url,
        {
            "action": "matter",
            "booking": str(booking.pk),
            "title": "检疫证明慢",
            "content": "跑三趟",
        },
    )
    matter = reception.matters.get()
    client.post(url, {"action": "appeal", "matter": str(matter.pk)})
    matter.refresh_from_db()
    assert matter.appeal == Appeal.objects.get()
    again = client.post(url, {"action": "appeal", "matter": str(matter.pk)}, **ZH)
    assert again.status_code == 409 and "该事项已转为诉求件" in again.content.decode()
    assert Appeal.objects.count() == 1


def test_a_hotline_operator_books_anonymously_through_the_page(client, point, people, operator):
    slot = schedule(point, people["vet_handler"]).slots.first()
    client.force_login(operator)
    form = client.get(f"/outreach/contact-points/slots/{slot.pk}/book/", **ZH).content.decode()
    assert 'name="anonymous"' in form
    answer = post_booking(client, slot, name="", phone="", anonymous="yes")
    assert answer.status_code == 302
    booking = Booking.objects.get()
    assert booking.anonymous and booking.booked_by == operator
    client.force_login(people["vet_handler"])
    day = client.get(f"/outreach/receptions/days/{slot.reception_id}/", **ZH).content.decode()
    assert "匿名来电群众" in day
