"""Writing, reviewing and publishing articles. Every change is one transaction with its audit
event; changes of state go through core.transitions (the article's row locked, its `version`
checked). The published text lives on the `Article`; an edit waits in a pending
`ArticleVersion` (draft → in review) until a reviewer of the unit who did not write it
publishes it, so an article stays findable, as published, while its edit is reviewed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.audit import audit_record
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import Unit
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission, transition

from ..errors import Code
from ..models import Article, ArticleStatus, ArticleVersion, VersionStatus
from .index import index_article, unindex_article

PENDING = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)
TEXT_FIELDS = ("question", "answer", "policy_basis", "valid_from", "valid_to")


def article_fields(
    *,
    question: Any,
    answer: Any,
    policy_basis: Any = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> dict[str, Any]:
    """The cleaned text and dates of a version; InvalidInput naming the field."""
    starts = valid_from or timezone.localdate(clock.now())
    fields: dict[str, Any] = {
        "question": clean_text(question, field="question", max_length=300, label=_("Question")),
        "answer": clean_text(answer, field="answer", max_length=20000, label=_("Answer")),
        "policy_basis": clean_text(
            policy_basis,
            field="policy_basis",
            max_length=300,
            required=False,
            label=_("Policy basis"),
        ),
        "valid_from": starts,
        "valid_to": valid_to,
    }
    if valid_to is not None and valid_to < starts:
        problem = _("The validity ends before it begins.")
        raise InvalidInput(problem, code=Code.BAD_DATES, fields={"valid_to": [problem]})
    return fields


def _check_unique(unit: Unit, question: str, article: Article | None = None) -> None:
    others = Article.objects.filter(unit=unit, question=question)
    if article is not None:
        others = others.exclude(pk=article.pk)
    if others.exists():
        problem = _("%(unit)s already has an article with this question.") % {"unit": unit.name}
        raise InvalidInput(problem, code=Code.DUPLICATE_QUESTION, fields={"question": [problem]})


def _pending(article: Article) -> ArticleVersion | None:
    return (
        ArticleVersion.objects.select_for_update()
        .filter(article=article, status__in=PENDING)
        .first()
    )


def _label(actor: Any) -> str:
    return actor.get_username() if hasattr(actor, "get_username") else ""


def article_create(
    *,
    actor: Any,
    unit: Unit,
    question: Any,
    answer: Any,
    policy_basis: Any = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
    note: str = "",
    source_appeal: str = "",
) -> Article:
    """A new article of `unit`, as a draft (version 1) for its staff to finish and submit."""
    require_permission(actor, "knowledge.edit_article", unit)
    fields = article_fields(
        question=question,
        answer=answer,
        policy_basis=policy_basis,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    note = clean_text(note, field="note", max_length=300, required=False)
    with transaction.atomic():
        _check_unique(unit, fields["question"])
        now = clock.now()
        article = Article.objects.create(
            unit=unit,
            status=ArticleStatus.DRAFT,
            created_by=actor if getattr(actor, "pk", None) else None,
            source_appeal=source_appeal,
            created_at=now,
            updated_at=now,
            **fields,
        )
        ArticleVersion.objects.create(
            article=article,
            number=1,
            author=article.created_by,
            author_label=_label(actor),
            note=note or _("First version"),
            created_at=now,
            updated_at=now,
            **fields,
        )
        audit_record(
            actor=actor,
            action="article_create",
            obj=article,
            to_state=article.status,
            data={"unit": unit.pk, "source_appeal": source_appeal},
        )
    return article


def article_edit(
    *,
    actor: Any,
    article: Article | int,
    question: Any,
    answer: Any,
    policy_basis: Any = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
    note: str = "",
    version: int | None = None,
) -> ArticleVersion:
    """Change an article's text. The change becomes (or updates) its pending version, written
    by `actor`; a version awaiting review goes back to draft, to be submitted again. The
    published text is unchanged until the pending version is published."""
    fields = article_fields(
        question=question,
        answer=answer,
        policy_basis=policy_basis,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    note = clean_text(note, field="note", max_length=300, required=False)
    with transaction.atomic():
        locked = lock(Article, article, version=version, related=["unit"])
        require_permission(actor, "knowledge.edit_article", locked)
        _check_unique(locked.unit, fields["question"], locked)
        pending = _pending(locked)
        now = clock.now()
        author = actor if getattr(actor, "pk", None) else None
        if pending is None:
            number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            pending = ArticleVersion(article=locked, number=number, created_at=now)
        for name, value in fields.items():
            setattr(pending, name, value)
        pending.status = VersionStatus.DRAFT
        pending.author, pending.author_label = author, _label(actor)
        pending.note, pending.updated_at, pending.review_note = note, now, ""
        pending.save()
        changed = []
        if locked.status in (ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW):
            # Never published: the article's own fields are the draft's text.
            for name, value in fields.items():
                setattr(locked, name, value)
            changed = list(TEXT_FIELDS)
            locked.status = ArticleStatus.DRAFT
        before = article.status if isinstance(article, Article) else locked.status
        commit(
            locked,
            action="article_edit",
            actor=actor,
            fields=changed,
            from_state=before,
            data={"version": pending.number, "note": note},
        )
    return pending


def article_submit(*, actor: Any, article: Article | int, version: int | None = None) -> Article:
    """Send the pending draft to the unit's reviewers."""
    with transaction.atomic():
        locked = lock(Article, article, version=version, related=["unit"])
        require_permission(actor, "knowledge.edit_article", locked)
        pending = _pending(locked)
        if pending is None or pending.status != VersionStatus.DRAFT:
            raise InvalidTransition(
                _("There is no draft to submit for review."), code=Code.NOTHING_PENDING
            )
        pending.status = VersionStatus.IN_REVIEW
        pending.save(update_fields=["status"])
        before = locked.status
        if locked.status == ArticleStatus.DRAFT:
            locked.status = ArticleStatus.IN_REVIEW
        return commit(
            locked,
            action="article_submit",
            actor=actor,
            from_state=before,
            data={"version": pending.number},
        )


def _in_review(locked: Article) -> ArticleVersion:
    pending = _pending(locked)
    if pending is None or pending.status != VersionStatus.IN_REVIEW:
        raise InvalidTransition(
            _("No version of this article awaits review."), code=Code.NOTHING_PENDING
        )
    return pending


def article_publish(
    *, actor: Any, article: Article | int, version: int | None = None, note: str = ""
) -> Article:
    """The unit's reviewer publishes the version awaiting review: it becomes the article's
    text, searchable at once; the version published before is kept as history. Whoever wrote
    the version cannot publish it."""
    with transaction.atomic():
        locked = lock(Article, article, version=version, related=["unit"])
        require_permission(actor, "knowledge.review_article", locked)
        pending = _in_review(locked)
        if pending.author_id is not None and pending.author_id == getattr(actor, "pk", None):
            raise PermissionDenied(
                _("You wrote this version: another reviewer of the unit publishes it."),
                code=Code.OWN_EDIT,
            )
        _check_unique(locked.unit, pending.question, locked)
        now = clock.now()
        ArticleVersion.objects.filter(article=locked, status=VersionStatus.PUBLISHED).update(
            status=VersionStatus.SUPERSEDED
        )
        pending.status = VersionStatus.PUBLISHED
        pending.reviewer = actor if getattr(actor, "pk", None) else None
        pending.published_at = now
        pending.review_note = clean_text(note, field="note", max_length=300, required=False)
        pending.save()
        for name in TEXT_FIELDS:
            setattr(locked, name, getattr(pending, name))
        before = locked.status
        locked.status = ArticleStatus.PUBLISHED
        locked.published_number = pending.number
        commit(
            locked,
            action="article_publish",
            actor=actor,
            fields=[*TEXT_FIELDS, "published_number"],
            from_state=before,
            data={"version": pending.number, "author": pending.author_label},
        )
        index_article(locked)
    return locked


def article_reject(
    *, actor: Any, article: Article | int, reason: Any, version: int | None = None
) -> Article:
    """The reviewer sends the version back to its author with the reason."""
    reason = clean_text(reason, field="reason", max_length=300, label=_("Reason"))
    with transaction.atomic():
        locked = lock(Article, article, version=version, related=["unit"])
        require_permission(actor, "knowledge.review_article", locked)
        pending = _in_review(locked)
        pending.status = VersionStatus.DRAFT
        pending.review_note = reason
        pending.save(update_fields=["status", "review_note"])
        before = locked.status
        if locked.status == ArticleStatus.IN_REVIEW:
            locked.status = ArticleStatus.DRAFT
        return commit(
            locked,
            action="article_reject",
            actor=actor,
            from_state=before,
            reason=reason,
            data={"version": pending.number},
        )


def article_withdraw(
    *, actor: Any, article: Article | int, reason: Any, version: int | None = None
) -> Article:
    """The reviewer takes a published article out of search and off the public pages (a
    policy repealed). A new version published later brings it back."""
    reason = clean_text(reason, field="reason", max_length=300, label=_("Reason"))

    def change(obj: Article) -> list[str]:
        unindex_article(obj)  # in the same transaction: gone from search with the state
        return []

    return transition(
        Article,
        article,
        action="article_withdraw",
        actor=actor,
        perm="knowledge.review_article",
        allowed=[ArticleStatus.PUBLISHED],
        to=ArticleStatus.WITHDRAWN,
        version=version,
        related=["unit"],
        reason=reason,
        change=change,
        refused=_("Only a published article can be withdrawn; it is %(status)s."),
    )


__all__ = [
    "article_create",
    "article_edit",
    "article_fields",
    "article_publish",
    "article_reject",
    "article_submit",
    "article_withdraw",
]
