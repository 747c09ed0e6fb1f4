"""Bench-only: load the units and the service catalogue into the database DATABASE_URL names,
and print the category codes per first-level group as JSON (the load generator picks from them).

Run as a script with the bench's environment: `python bench/catalogue.py`. No appeals."""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import transaction

    from lianxin.appeals.models import Category
    from lianxin.demo import load_catalogue, load_units

    # The same catalogue as the demo district, through the demo's own loaders (a service-free
    # setup step: the catalogue is configuration, not appeals).
    with transaction.atomic():
        load_catalogue(load_units())
    groups: dict[str, list[str]] = {}
    for category in Category.objects.filter(is_active=True).select_related("parent"):
        group = category.parent.name if category.parent_id else category.name
        groups.setdefault(group, []).append(category.code)
    print(
        json.dumps(
            {
                "groups": groups,
                "auto_dispatch": list(
                    Category.objects.filter(auto_dispatch=True).values_list("code", flat=True)
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
