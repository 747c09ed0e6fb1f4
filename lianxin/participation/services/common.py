"""What the participation services share: the regulation's name in messages, people's labels."""

from django.utils.translation import gettext as _

from lianxin.core.masking import mask_name


def article(number: str) -> str:
    """The rule a refusal cites: 《重大行政决策程序暂行条例》 and its article, e.g. "第二十六条"."""
    return _("Interim Regulations on Major Administrative Decision Procedures, %(article)s") % {
        "article": number
    }


def person_label(user) -> str:
    """How a signed-in person is shown in public: the masked real name (PIPL)."""
    return mask_name(user.get_full_name() or user.get_username())
