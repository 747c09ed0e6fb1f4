"""The message catalogues: complete, consistent with the code's placeholders, compiled, and used."""

import gettext as gettext_module
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "lianxin" / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = ZH_PO.with_suffix(".mo")
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
EN_MO = EN_PO.with_suffix(".mo")

# printf-style placeholders, named or not: %(n)d, %(unit)s, %s, %5.2f ("%%" is a literal percent).
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: flags, msgctxt, msgid, msgid_plural, msgstr and msgstr[n], each of
    which may continue on following "..." lines. Obsolete (#~) entries are ignored."""
    entries: list[Entry] = []
    entry: Entry | None = None
    pending_flags: set[str] = set()
    target: tuple[str, int] | None = None  # the field that continuation lines extend

    def start(line_no: int) -> Entry:
        nonlocal entry, pending_flags
        entry = Entry(line=line_no, flags=pending_flags)
        pending_flags = set()
        entries.append(entry)
        return entry

    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#,"):
            pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert entry is not None and target is not None, f"{path}:{line_no}: stray string"
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
        elif keyword == "msgctxt":
            entry = start(line_no)
            entry.msgctxt, target = _unquote(rest), ("msgctxt", 0)
        elif keyword == "msgid":
            if entry is None or entry.msgctxt is None or target != ("msgctxt", 0):
                entry = start(line_no)
            entry.msgid, target = _unquote(rest), ("msgid", 0)
        elif keyword == "msgid_plural":
            assert entry is not None, f"{path}:{line_no}"
            entry.msgid_plural, target = _unquote(rest), ("msgid_plural", 0)
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            assert entry is not None, f"{path}:{line_no}"
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry.msgstr[index], target = _unquote(rest), ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{line_no}: cannot read {raw!r}")
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def messages(path: Path) -> list[Entry]:
    return [e for e in parse_po(path) if not e.is_header]


def label(entry: Entry) -> str:
    return f"line {entry.line}: {entry.msgid!r}"


def test_parser_reads_multiline_and_plural_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"Two "\n"lines %(n)d"\nmsgstr "两行 %(n)d"\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "五月"\n\n'
        'msgid "%(n)d day"\nmsgid_plural "%(n)d days"\nmsgstr[0] ""\n"%(n)d 天"\n\n'
        '#~ msgid "gone"\n#~ msgstr "已删"\n',
        encoding="utf-8",
    )
    header, two, may, day = parse_po(po)
    assert header.is_header and "nplurals=1" in header.msgstr[0]
    assert (two.msgid, two.msgstr, two.flags) == (
        "Two lines %(n)d",
        {0: "两行 %(n)d"},
        {"fuzzy", "python-format"},
    )
    assert (may.msgctxt, may.msgid, may.msgstr) == ("month", "May", {0: "五月"})
    assert (day.msgid_plural, day.msgstr) == ("%(n)d days", {0: "%(n)d 天"})
    assert placeholders("%(n)d of %(unit)s, 100%% %s") == ["%(n)d", "%(unit)s", "%s"]


def test_chinese_catalogue_is_complete():
    entries = messages(ZH_PO)
    assert len(entries) > 300
    untranslated = [label(e) for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [label(e) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, "untranslated: run makemessages, then translate:\n" + "\n".join(
        untranslated
    )
    assert not fuzzy, "fuzzy (check and remove the flag):\n" + "\n".join(fuzzy)


def test_chinese_header_is_not_fuzzy_and_has_one_plural_form():
    header = next(e for e in parse_po(ZH_PO) if e.is_header)
    assert "fuzzy" not in header.flags
    assert "charset=UTF-8" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]


def test_placeholders_match():
    wrong = []
    for e in messages(ZH_PO):
        expected = set(placeholders(e.msgid)) | set(placeholders(e.msgid_plural or ""))
        for text in e.msgstr.values():
            if set(placeholders(text)) != expected:
                wrong.append(f"{label(e)} -> {text!r}")
    assert not wrong, "\n".join(wrong)


def test_both_catalogues_hold_the_same_messages():
    """makemessages was run for both languages from the same source."""

    def keys(path):
        return {(e.msgctxt, e.msgid) for e in messages(path)}

    assert keys(ZH_PO) == keys(EN_PO)


def test_english_catalogue_needs_no_translation():
    """The msgids are the English text; an empty msgstr falls back to them."""
    entries = messages(EN_PO)
    assert entries
    assert all(not any(e.msgstr.values()) or e.msgstr[0] == e.msgid for e in entries)


def test_compiled_catalogue_is_current():
    """Every entry of the .po is in the .mo as written: compilemessages ran after the last edit."""
    with ZH_MO.open("rb") as fh:
        compiled = gettext_module.GNUTranslations(fh)
    stale = []
    for e in messages(ZH_PO):
        if e.msgid_plural is None:
            got = (
                compiled.pgettext(e.msgctxt, e.msgid)
                if e.msgctxt is not None
                else compiled.gettext(e.msgid)
            )
        else:
            got = (
                compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
                if e.msgctxt is not None
                else compiled.ngettext(e.msgid, e.msgid_plural, 1)
            )
        if got != e.msgstr[0]:
            stale.append(f"{label(e)}: .mo has {got!r}, .po has {e.msgstr[0]!r}")
    assert not stale, "run compilemessages:\n" + "\n".join(stale)
    with EN_MO.open("rb") as fh:
        gettext_module.GNUTranslations(fh)  # present and readable


def test_gettext_uses_the_catalogues():
    with translation.override("zh-hans"):
        assert translation.gettext("Submit an appeal") == "提交诉求"
        assert translation.gettext("Tracking number") == "受理编号"
        assert (
            translation.gettext("Dispatched to %(unit)s") % {"unit": "东城街道"}
            == "已派单至东城街道"
        )
    with translation.override("en"):
        assert translation.gettext("Submit an appeal") == "Submit an appeal"
        assert translation.gettext("Tracking number") == "Tracking number"


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["zh-hans", "zh-CN,zh;q=0.9"])
def test_portal_in_chinese(accept):
    response = Client(HTTP_ACCEPT_LANGUAGE=accept).get("/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "提交诉求" in html and "查询码" in html
    assert "Submit an appeal" not in html


@pytest.mark.django_db
def test_portal_in_english():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Submit an appeal" in html and "Query code" in html
    assert "提交诉求" not in html
