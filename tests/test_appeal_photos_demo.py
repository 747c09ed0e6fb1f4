"""The demo's appeals with photos: drawn at load time, stored through the intake and the reply
like a phone's photo, shown publicly (the citizen and the handler allowed it), and loaded
only once."""

import pytest

from lianxin.appeals.models import Appeal, AppealPhoto, Status
from lianxin.appeals.selectors import public_photos
from lianxin.demo import photos as photos_demo

from .photo_helpers import exif_of

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_public_appeal_with_a_photo_and_one_replied_with_an_after_photo(
    demo, client
):
    manhole = Appeal.objects.get(source_ref=photos_demo.MANHOLE_REF)
    lamp = Appeal.objects.get(source_ref=photos_demo.LAMP_REF)
    assert [p.kind for p in public_photos(manhole)] == ["citizen"]
    assert [p.kind for p in lamp.photos.all()] == ["citizen", "after"]
    assert lamp.status == Status.REPLIED
    (after,) = lamp.photos.filter(kind="after")
    shown = client.get(f"/appeal-photos/{after.pk}/")
    assert shown.status_code == 200 and exif_of(b"".join(shown.streaming_content)) == {}
    photos_demo.load()  # again: nothing new
    assert AppealPhoto.objects.count() == 3
