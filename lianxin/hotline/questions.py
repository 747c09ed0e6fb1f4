"""The questions an operator asks, in order, for a category (e.g. 动物疫病: which animals, how
many sick, how many dead). The catalogue has no structured questions of its own; these are the
hotline's script, keyed by category code and checked when the call ends. A category without a
script is taken in free text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.errors import InvalidInput

from .errors import Code


@dataclass(frozen=True)
class Question:
    key: str
    text: Promise
    kind: str = "text"  # "text" or "count" (a whole number, 0 or more)
    required: bool = True


ANIMALS = [
    Question("species", gettext_lazy("Which animals (species)?")),
    Question("sick", gettext_lazy("How many animals are sick?"), kind="count"),
    Question("dead", gettext_lazy("How many animals have died?"), kind="count"),
    Question("place", gettext_lazy("Where exactly are they (village, farm)?")),
    Question("since", gettext_lazy("Since when?"), required=False),
]

SCRIPTS: dict[str, list[Question]] = {
    "animal-epidemic": ANIMALS,
    "livestock-safety": [
        Question("product", gettext_lazy("Which product (meat, eggs, milk)?")),
        Question("where", gettext_lazy("Where was it bought or seen?")),
        Question("when", gettext_lazy("When?"), required=False),
    ],
}

MAX_ANSWER = 200
MAX_COUNT = 1_000_000


def questions_for(code: str | None) -> list[Question]:
    return SCRIPTS.get(code or "", [])


def as_json(code: str | None) -> list[dict[str, Any]]:
    return [
        {"key": q.key, "text": str(q.text), "kind": q.kind, "required": q.required}
        for q in questions_for(code)
    ]


def clean_answers(code: str | None, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers to the category's script, checked: every required question answered,
    counts whole numbers. Answers to questions the script does not ask are dropped."""
    errors: dict[str, list[str]] = {}
    answers: dict[str, Any] = {}
    for q in questions_for(code):
        value = str(raw.get(q.key, "") or "").strip()
        if not value:
            if q.required:
                errors[f"q_{q.key}"] = [
                    _("%(question)s: please ask and fill in.") % {"question": q.text}
                ]
            continue
        if q.kind == "count":
            if not value.isdigit() or int(value) > MAX_COUNT:
                errors[f"q_{q.key}"] = [
                    _("%(question)s: enter a whole number, 0 or more.") % {"question": q.text}
                ]
                continue
            answers[q.key] = int(value)
        else:
            answers[q.key] = value[:MAX_ANSWER]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, code=Code.BAD_ANSWER, fields=errors)
    return answers


def answers_text(code: str | None, answers: dict[str, Any]) -> str:
    """The answers as lines under the appeal's content, where the handler reads them."""
    return "\n".join(f"{q.text} {answers[q.key]}" for q in questions_for(code) if q.key in answers)
