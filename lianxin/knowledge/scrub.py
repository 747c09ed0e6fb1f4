"""Personal data out of a reply before it becomes a public article (PIPL): the citizen's name
and address as the appeal recorded them, and anything shaped like a phone, ID-card or plate
number, an e-mail address or a house number. Pure: the proposal service passes the appeal's
own fields. A staff member reads the draft before it is submitted; this is the first pass."""

from __future__ import annotations

import re

from lianxin.core.masking import mask_name
from lianxin.core.text import visible

_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{3,4}-\d{7,8})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A house or room number: "12栋3单元401室", "5号楼", "301室".
_HOUSE = re.compile(r"\d+\s*(?:栋|幢|号楼|单元|室|层|楼)(?:\s*\d+\s*(?:栋|幢|号楼|单元|室|层|楼))*")
# A surname and an honorific: "王先生", "李女士", "张大爷" (the citizen as the reply names them).
_HONORIFIC = re.compile(r"[\u4e00-\u9fff](?:先生|女士|大爷|大妈|阿姨|师傅|同志)")
_PLATE = re.compile(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}")


def strip_personal(text: str, *, name: str = "", address: str = "") -> str:
    """`text` without the citizen's name and address and the shapes above. A name is replaced
    where it appears whole and as its masked form's first character with an honorific; the
    address whole."""
    out = visible(text)
    if address and len(address) >= 4:
        out = out.replace(address, "（地址略）")
    if name and len(name) >= 2:
        out = out.replace(name, "市民")
        masked = mask_name(name)
        out = out.replace(masked, "市民")
    out = _ID_CARD.sub("（证件号略）", out)
    out = _PHONE.sub("（电话略）", out)
    out = _EMAIL.sub("（邮箱略）", out)
    out = _PLATE.sub("（车牌略）", out)
    out = _HOUSE.sub("（门牌略）", out)
    out = _HONORIFIC.sub("市民", out)
    return out
