"""Reads of appeals that respect who is asking."""

from typing import Any

from django.core import signing
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from lianxin.core.access import may, subtree_q, units_where
from lianxin.core.masking import mask_name, mask_phone
from lianxin.core.models import AuditEvent, Role, Unit, UnitQuerySet

from .lifecycle import ACTION_PERMS, ALLOWED_FROM
from .models import (
    OPEN_STATES,
    Appeal,
    AppealPhoto,
    AppealQuerySet,
    Extension,
    FollowUp,
    PhotoKind,
    Status,
)


def appeals_visible_to(user: Any) -> AppealQuerySet:
    """The appeals `user` may see (the list form of the `appeals.view_appeal` rule)."""
    qs = Appeal.objects.select_related("unit", "category")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    wide = units_where(user, Role.DISPATCHER, Role.ADMIN, Role.SUPERVISOR, Role.ORGDEPT)
    narrow = units_where(user, Role.HANDLER, Role.LEADER)
    q = subtree_q(wide, "unit")
    if wide:
        q |= Q(unit__isnull=True)
    if narrow:
        q |= subtree_q(narrow, "unit")
        co_unit = Appeal.co_units.through.objects.filter(appeal_id=OuterRef("pk")).filter(
            subtree_q(narrow, "unit")
        )
        q |= Q(Exists(co_unit))
    return qs.filter(q)


# The moves that take an appeal from one unit to another (or back to the hotline).
MOVES = ("dispatch", "transfer", "return")


def appeal_whereabouts(user: Any, tracking_number: str) -> dict[str, Any] | None:
    """Where an appeal went that `user` once had in hand or was told of but can no longer
    see: {"action": "transfer" | "dispatch" | "return", "unit": name or "", "at": time}. Only
    the move, nothing of the appeal's content or the citizen. None if the user may not know."""
    appeal = Appeal.objects.select_related("unit").filter(tracking_number=tracking_number).first()
    if (
        appeal is None
        or not getattr(user, "is_authenticated", False)
        or not may(user, "appeals.view_whereabouts", appeal)
    ):
        return None
    move = (
        AuditEvent.objects.filter(
            object_type="appeals.appeal",
            object_id=str(appeal.pk),
            action__in=MOVES,
        )
        .order_by("-id")
        .first()
    )
    if move is None:
        return None
    return {
        "action": move.action,
        "at": move.created_at,
        "unit": appeal.unit.name if appeal.unit and move.action != "return" else "",
    }


def appeal_contact(user: Any, appeal: Appeal) -> dict[str, Any]:
    """The citizen's contact data as this user may see it: whole, masked, or not at all."""
    full = getattr(user, "is_authenticated", False) and may(user, "appeals.view_contact", appeal)
    if full:
        return {
            "name": appeal.contact_name,
            "phone": appeal.contact_phone,
            "email": appeal.contact_email,
            "masked": False,
        }
    return {
        "name": mask_name(appeal.contact_name),
        "phone": mask_phone(appeal.contact_phone),
        "email": "",
        "masked": True,
    }


# Actions a citizen sees on the tracking page; internal ones (returns, supervision) are not.
PUBLIC_ACTIONS = {
    "submit",
    "dispatch",
    "accept",
    "transfer",
    "co_handle",
    "extension_approve",
    "reply",
    "reply_approve",
    "followup",
    "reopen",
    "close",
    "merge",
    "withdraw",
}


def appeal_timeline(appeal: Appeal, *, public: bool) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(object_type="appeals.appeal", object_id=str(appeal.pk))
    if not public:  # the staff page names who acted
        events = events.select_related("actor")
    if public:
        events = events.filter(action__in=PUBLIC_ACTIONS)
    return list(events.order_by("id"))


def dispatch_units() -> UnitQuerySet:
    """Units an appeal can be dispatched to: every active unit below the district."""
    units: UnitQuerySet = Unit.objects.filter(is_active=True, parent__isnull=False).exclude(
        kind="hotline"
    )
    return units


def appeal_actions(user: Any, appeal: Appeal) -> list[str]:
    """The actions `user` may take on `appeal` now (buttons on pages, `actions` in the API)."""
    if not getattr(user, "is_authenticated", False):
        return []
    allowed = []
    for action, perm in ACTION_PERMS.items():
        if appeal.status in ALLOWED_FROM[action] and may(user, perm, appeal):
            allowed.append(action)
    pending = appeal.extensions.filter(decision=Extension.Decision.PENDING).exists()
    if "extension_decide" in allowed and not pending:
        allowed.remove("extension_decide")
    if "extension_request" in allowed and appeal.extensions.exclude(decision="rejected").exists():
        allowed.remove("extension_request")
    return allowed


_LAST_FOLLOWUP = FollowUp.objects.filter(appeal=OuterRef("pk")).order_by("-created_at", "-pk")


def with_last_followup(appeals: AppealQuerySet) -> AppealQuerySet:
    """`appeals` with `has_followup`, `last_resolved` and `last_satisfaction`: the last
    follow-up (回访) is the one that counts, in the rates and in every list behind them."""
    return appeals.annotate(
        has_followup=Exists(FollowUp.objects.filter(appeal=OuterRef("pk"))),
        last_resolved=Subquery(_LAST_FOLLOWUP.values("resolved")[:1]),
        last_satisfaction=Subquery(_LAST_FOLLOWUP.values("satisfaction")[:1]),
    )


def citizen_appeals(user: Any, phone_keys: list[str]) -> AppealQuerySet:
    """A signed-in citizen's appeals: every one filed with their number by any channel (the
    indexed lookup key, under each key in use) and any they filed signed in. Open ones first
    (those waiting for the citizen's rating among them), then the newest."""
    q = Q(submitted_by=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    if phone_keys:
        q |= Q(contact_phone_key__in=phone_keys)
    waiting = Case(
        When(status__in=OPEN_STATES, then=Value(0)),
        When(status=Status.REPLIED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Appeal.objects.filter(q)
        .select_related("unit", "category")
        .annotate(finished=waiting)
        .order_by("finished", "-created_at", "-pk")
    )


# While a reply is held for the unit leader's review, the citizen does not see it yet, nor
# the handler's before/after photos that came with it.
_HELD = Q(appeal__status=Status.REVIEWING) & ~Q(kind=PhotoKind.CITIZEN)


def citizen_photos(appeal: Appeal) -> list[AppealPhoto]:
    """The photos the citizen sees on the tracking page (proved by the query code)."""
    return list(AppealPhoto.objects.filter(appeal=appeal).exclude(_HELD).select_related("appeal"))


def shown_photos() -> QuerySet[AppealPhoto]:
    """Photos whoever added them allowed to be shown (a checkbox, off by default); the public
    sees them only on a public appeal (`public_photos`, or a list of Appeal.objects.public())."""
    return AppealPhoto.objects.filter(is_public=True).exclude(_HELD)


def public_photos(appeal: Appeal) -> list[AppealPhoto]:
    """The photos anyone may see: of a public appeal (the board's rule), allowed each."""
    if not Appeal.objects.public().filter(pk=appeal.pk).exists():
        return []
    return list(shown_photos().filter(appeal=appeal))


# A citizen who proved the query code on the tracking page sees all of the appeal's photos,
# through links signed for one hour (the code itself never goes into an address).
_PHOTO_SALT = "appeals.photo"
PHOTO_LINK_SECONDS = 3600


def citizen_photo_token(photo: AppealPhoto) -> str:
    return signing.dumps(photo.pk, salt=_PHOTO_SALT)


def appeal_photo_for(viewer: Any, pk: int, *, token: str = "") -> AppealPhoto | None:
    """A photo for `viewer`: staff who may see its appeal see all of its photos, and so does
    the citizen holding a link from the tracking page (`token`); anyone else only a public
    one (`public_photos`). None otherwise. The one check for serving a photo."""
    photo = AppealPhoto.objects.select_related("appeal__unit").filter(pk=pk).first()
    if photo is None:
        return None
    if token:
        try:
            signed = signing.loads(token, salt=_PHOTO_SALT, max_age=PHOTO_LINK_SECONDS)
        except signing.BadSignature:
            signed = None
        if signed == photo.pk:
            return photo
    if getattr(viewer, "is_authenticated", False) and may(
        viewer, "appeals.view_appeal", photo.appeal
    ):
        return photo
    return photo if photo in public_photos(photo.appeal) else None
