"""Journeys of a reception day (接访日) in Chromium. A citizen on a phone finds the contact
point, books a slot and gets a booking code; a second citizen is refused the now full slot
with a clear message and nothing saved. The staff of the leader's unit, at a desk, record a
past reception and turn a matter raised into an appeal in one step; the public page then shows
it, with no one's name or phone."""

import pytest

from lianxin.appeals.models import Appeal
from lianxin.outreach.models import Booking, ReceptionStatus
from lianxin.outreach.services import booking_make
from tests.browser import DESKTOP, PHONE, assert_clean, fits_width, login, open_page

from . import reception_helpers
from .reception_helpers import at_day, schedule, schedule_past

village = reception_helpers.village
point = reception_helpers.point
operator = reception_helpers.operator

pytestmark = pytest.mark.browser


def test_a_citizen_books_a_slot_on_a_phone_and_the_next_is_refused(
    chromium, live_server, point, people
):
    reception = schedule(point, people["vet_handler"], capacity=1)
    slot = reception.slots.first()
    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/outreach/contact-points/")
    assert "大湾村生猪养殖场联系点" in page.inner_text("main")
    assert fits_width(page)
    page.click("text=大湾村生猪养殖场联系点")
    assert "剩余 1 个名额" in page.inner_text(f"#slot-{slot.pk}")
    assert fits_width(page)
    page.click(f"#slot-{slot.pk} >> text=预约")
    page.fill("#name", "李大爷")
    page.fill("#phone", "1381234567")  # a digit short
    page.fill("#matter", "想问问生猪调运检疫证明怎么办得快一些")
    page.click("text=预约该时段")
    assert "11 位大陆手机号码" in page.inner_text(".messages")
    assert page.input_value("#matter") == "想问问生猪调运检疫证明怎么办得快一些"
    assert not Booking.objects.exists()
    page.fill("#phone", "13812345678")
    page.click("text=预约该时段")
    page.wait_for_url("**/outreach/contact-points/booked/")
    booking = Booking.objects.get()
    assert page.inner_text("#booking-code") == booking.code
    assert "138****5678" in page.inner_text("main")
    assert fits_width(page)
    assert_clean(page)

    other = open_page(chromium, live_server, viewport=PHONE)
    other.trouble.expected_statuses.add(409)
    other.goto(f"{live_server.url}/outreach/contact-points/{point.pk}/")
    assert "已约满" in other.inner_text(f"#slot-{slot.pk}")
    # A page opened before the last place went: the booking is refused, clearly.
    other.goto(f"{live_server.url}/outreach/contact-points/slots/{slot.pk}/book/")
    other.fill("#name", "王大妈")
    other.fill("#phone", "13900002222")
    other.fill("#matter", "禁养区补助")
    other.click("text=预约该时段")
    assert "该时段名额已约满，请选择其他时段或日期" in other.inner_text(".messages")
    assert Booking.objects.count() == 1
    assert fits_width(other)
    assert_clean(other)


def test_staff_record_a_reception_and_the_public_page_shows_what_followed(
    chromium, live_server, point, people
):
    reception = schedule_past(point, people["vet_handler"])
    with at_day(reception, hour=7):
        booking = booking_make(
            slot=reception.slots.first(),
            name="张养殖",
            phone="13900001111",
            matter="生猪调运检疫证明办理太慢",
        )
    page = login(chromium, live_server, "vet_handler", viewport=DESKTOP)
    page.goto(f"{live_server.url}/outreach/receptions/")
    page.click("text=大湾村生猪养殖场联系点")
    page.click(f"text={reception.day:%Y-%m-%d}")
    assert "张养殖" in page.inner_text(f"#booking-{booking.pk}")
    page.check(f"#booking-{booking.pk} input[name=attended]")
    page.fill("#walk_ins", "1")
    page.fill("#summary", "接待养殖户两人次。")
    page.click("#record-form button[type=submit]")
    assert "接访情况已登记" in page.inner_text(".messages")
    assert page.inner_text("#reception-status") == "已举行"
    page.select_option("#booking", str(booking.pk))
    page.fill("#title", "生猪调运检疫证明办理慢")
    page.fill("#content", "养殖户反映调运检疫证明要跑三趟才能办好。")
    page.click("text=登记该事项")
    assert "反映事项已登记" in page.inner_text(".messages")
    page.click("text=转为诉求件办理")
    assert "该事项已转为诉求件办理" in page.inner_text(".messages")
    appeal = Appeal.objects.get()
    assert appeal.tracking_number in page.inner_text(".matter")
    assert appeal.contact_phone == "13900001111"
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.HELD
    assert_clean(page)

    public = open_page(chromium, live_server, viewport=PHONE)
    public.goto(f"{live_server.url}/outreach/contact-points/{point.pk}/")
    past = public.inner_text(".past-reception")
    assert "生猪调运检疫证明办理慢" in past and appeal.tracking_number in past
    assert "接待 2 人次" in past
    for personal in ("张养殖", "13900001111", booking.code):
        assert personal not in public.inner_text("body"), personal
    assert fits_width(public)
    assert_clean(public)


def test_a_hotline_operator_books_for_a_caller_who_gives_no_name(
    chromium, live_server, point, people, operator
):
    slot = schedule(point, people["vet_handler"]).slots.first()
    page = login(chromium, live_server, "operator", viewport=DESKTOP)
    page.goto(f"{live_server.url}/outreach/contact-points/{point.pk}/")
    page.click(f"#slot-{slot.pk} >> text=预约")
    page.check("#anonymous")
    page.fill("#matter", "来电反映邻村养殖场夜间异味大")
    page.click("text=预约该时段")
    page.wait_for_url("**/outreach/contact-points/booked/")
    booking = Booking.objects.get()
    assert page.inner_text("#booking-code") == booking.code
    assert (booking.anonymous, booking.name, booking.phone) == (True, "", "")
    assert booking.booked_by.username == "operator"
    assert_clean(page)
    staff = login(chromium, live_server, "vet_handler", viewport=DESKTOP)
    staff.goto(f"{live_server.url}/outreach/receptions/days/{slot.reception_id}/")
    row = staff.inner_text(f"#booking-{booking.pk}")
    assert "匿名来电群众" in row and "热线代为预约" in row
    assert_clean(staff)
