"""Photos on appeals (图片附件): the citizen's with the appeal, the handler's before/after photos
with the reply. Every photo goes through core.uploads: judged by its content, limited in size
(APPEAL_PHOTO_MAX_BYTES) and number (APPEAL_PHOTOS_MAX), and re-encoded from its pixels alone
by `clean_photo` (no EXIF GPS: a phone's photo says where the citizen lives) before it is
stored. The services that take photos check them with `checked_photos` before any lock, then
store them with `store_photos` inside their own `uploads.storing` transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from PIL import Image

from lianxin.core import clock, uploads

from ..models import Appeal, AppealPhoto, PhotoKind

PHOTO_FOLDER = "appeals/photos"


def checked_photos(files: Sequence[Any], *, already: int = 0) -> list[uploads.Upload]:
    """The photos checked and cleaned, or InvalidInput (code and Chinese message) for all of
    them when one is bad. Decoding takes time: callers do this before locking anything."""
    files = [f for f in files if f is not None]
    if not files:
        return []
    checked = uploads.check_uploads(
        files,
        already=already,
        max_count=settings.APPEAL_PHOTOS_MAX,
        kinds=uploads.PHOTOS,
        max_bytes=min(settings.APPEAL_PHOTO_MAX_BYTES, settings.UPLOAD_MAX_BYTES),
    )
    return [uploads.clean_photo(upload) for upload in checked]


def store_photos(
    appeal: Appeal,
    checked: Sequence[uploads.Upload],
    save: Callable[[uploads.Upload], str],
    *,
    kind: str = PhotoKind.CITIZEN,
    public: bool = False,
    actor: Any = None,
) -> list[dict[str, Any]]:
    """The photos stored and their rows made, on an appeal the caller has locked (or just
    made); returns what the audit keeps of them: never content, never the original name."""
    if not checked:
        return []
    uploads.require_room(
        already=AppealPhoto.objects.filter(appeal=appeal).count(),
        adding=len(checked),
        max_count=settings.APPEAL_PHOTOS_MAX,
    )
    made = []
    for upload in checked:
        upload.file.seek(0)
        with Image.open(upload.file) as image:  # our own re-encoded file: only its header
            width, height = image.size
        made.append(
            AppealPhoto.objects.create(
                appeal=appeal,
                kind=kind,
                file_type=upload.kind.code,
                size=upload.size,
                width=width,
                height=height,
                sha256=upload.sha256,
                stored_as=save(upload),
                is_public=bool(public),
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                created_at=clock.now(),
            )
        )
    return [
        {"id": p.pk, "kind": p.kind, "type": p.file_type, "size": p.size, "sha256": p.sha256}
        for p in made
    ]
