"""The admin reads in Chinese: every recorded action, every model (the permission lists name
them all) and every field an admin page shows has a Chinese name."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from lianxin.core.audit import ACTION_LABELS, action_label

from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .browser import untranslated_words

LIANXIN = Path(__file__).resolve().parent.parent / "lianxin"
# Action codes as the services write them: action="dispatch", action = "reopen",
# action="extension_approve" if approve else "extension_reject".
ACTION_CODE = re.compile(r'\baction\s*=\s*"(\w+)"(?:\s+if\s+\w+\s+else\s+"(\w+)")?')


def chinese(text) -> bool:
    text = str(text)
    return any("\u4e00" <= ch <= "\u9fff" for ch in text) and not untranslated_words(text)


def recorded_actions() -> set[str]:
    codes = set()
    # Every module, not only services: a services package spreads them over several files.
    for module in LIANXIN.rglob("*.py"):
        if {"migrations", "management"} & set(module.parts):  # argparse has action= too
            continue
        for match in ACTION_CODE.finditer(module.read_text()):
            codes |= {code for code in match.groups() if code}
    # evaluation's campaign moves record action=f"appraisal_{to}".
    campaign = apps.get_model("evaluation", "AppraisalCampaign")
    codes |= {f"appraisal_{status}" for status in campaign.Status.values if status != "draft"}
    return codes


def test_every_action_the_services_record_has_a_chinese_name():
    codes = recorded_actions()
    assert {
        "submit",
        "reopen",
        "extension_reject",
        "alarm_raise",
        "report_assess",
        "open311_key_revoke",
        "appraisal_published",
    } <= codes  # the scan finds them all
    with translation.override("zh-hans"):
        unnamed = {
            code: str(action_label(code)) for code in codes if not chinese(action_label(code))
        }
    assert unnamed == {}


def test_a_kept_records_change_is_named_after_its_model():
    # core.services.record_save/record_delete record "<app>.<model>_create|change|delete".
    with translation.override("zh-hans"):
        assert action_label("core.unit_create") == "新建单位"
        assert action_label("auth.user_change") == "修改用户"
        assert action_label("core.roleassignment_delete") == "删除角色分配"
    assert action_label("nosuch.model_create") == "nosuch.model_create"
    assert action_label("create") == "create"
    assert not any("." in code for code in ACTION_LABELS)  # no app names them one by one


def test_an_appeals_timeline_names_actions_from_the_same_labels():
    with translation.override("zh-hans"):
        assert render_to_string("appeals/_action_label.html", {"action": "dispatch"}) == "已派单"
        assert (
            render_to_string("appeals/_action_label.html", {"action": "alarm_raise"}) == "发出预警"
        )


def test_every_model_has_a_chinese_name():
    """The user and group pages list the permissions of every model, by its name."""
    with translation.override("zh-hans"):
        unnamed = [
            f"{model._meta.label}: {name}"
            for model in apps.get_models()
            for name in (model._meta.verbose_name, model._meta.verbose_name_plural)
            if untranslated_words(str(name))
        ]
    assert unnamed == []


def shown_fields(model, model_admin, parent=None):
    """The fields an admin page shows: its form's (all editable fields but an inline's link
    to its parent), its read-only ones and its list's columns."""
    names = set(model_admin.readonly_fields) | {
        name for name in getattr(model_admin, "list_display", ()) if isinstance(name, str)
    }
    names |= {
        f.name
        for f in model._meta.get_fields()
        if f.concrete
        and f.editable
        and not f.auto_created
        and not (parent and f.is_relation and f.related_model is parent)
    }
    for name in names:
        try:
            yield model._meta.get_field(name)
        except FieldDoesNotExist:  # a ModelAdmin method, named by its own description
            continue


def test_every_field_an_admin_page_shows_has_a_chinese_label():
    pages = [(model, model_admin, None) for model, model_admin in admin.site._registry.items()]
    pages += [
        (inline.model, inline, model)
        for model, model_admin in admin.site._registry.items()
        for inline in model_admin.inlines
    ]
    with translation.override("zh-hans"):
        unlabelled = [
            f"{model._meta.label}.{field.name}: {field.verbose_name}"
            for model, model_admin, parent in pages
            for field in shown_fields(model, model_admin, parent)
            if untranslated_words(str(field.verbose_name))
        ]
    assert unlabelled == []


def test_the_supervision_app_is_not_named_like_the_appeals_supervise_board():
    with translation.override("zh-hans"):
        assert str(apps.get_app_config("supervision").verbose_name) == "纪检监督"


@pytest.mark.django_db
def test_the_demo_district_is_written_in_chinese_whatever_language_is_active():
    """The admin shows stored texts as stored: the demo's notes and notifications are Chinese
    even when loaded after an English request left English active."""
    from lianxin.appeals.models import Appeal
    from lianxin.core.models import Notification
    from lianxin.demo import load_demo

    with translation.override("en"):
        load_demo(appeals=20)
    notes = set(Appeal.objects.exclude(public_note="").values_list("public_note", flat=True))
    subjects = set(Notification.objects.values_list("subject", flat=True))
    assert notes and subjects
    assert [text for text in notes | subjects if not chinese(text)] == []
