"""Masking of personal data for roles that do not need to see it (PIPL)."""


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) <= 4:
        return "*" * len(phone)
    keep = 3 if len(phone) >= 11 else 1
    return phone[:keep] + "*" * (len(phone) - keep - 4) + phone[-4:]


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
