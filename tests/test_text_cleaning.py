"""Text from citizens keeps what they wrote and loses only invisible characters."""

import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from lianxin.core.text import INVISIBLE, clean_text

HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}


def test_the_pattern_is_the_control_format_surrogate_and_private_use_characters():
    # Every such character is removed; besides them only unassigned code points in the same
    # blocks (format controls of newer Unicode versions) are.
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        category = unicodedata.category(ch)
        hidden = category in HIDDEN_CATEGORIES and ch not in "\n\t"
        matched = bool(INVISIBLE.match(ch))
        assert matched == hidden or (matched and category == "Cn"), hex(code)


def hidden(ch: str) -> bool:
    """What the cleaner removes (see the test above): the hidden categories, and unassigned
    code points inside the blocks it strips whole (e.g. the rest of the tag block)."""
    category = unicodedata.category(ch)
    return category in HIDDEN_CATEGORIES or (category == "Cn" and bool(INVISIBLE.match(ch)))


@given(st.text())
def test_cleaning_removes_only_hidden_characters_and_outer_space(text):
    cleaned = clean_text(text, field="content", max_length=10**6, required=False)
    kept = "".join(c for c in text if c in "\n\t" or not hidden(c)).strip()
    assert cleaned == kept


def test_markup_and_chinese_punctuation_are_kept_as_written():
    text = "<b>噪音</b>扰民！\t第二行\n\u200b（零宽字符已去掉）"
    assert clean_text(text, field="content", max_length=100) == (
        "<b>噪音</b>扰民！\t第二行\n（零宽字符已去掉）"
    )
