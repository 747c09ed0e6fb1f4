"""Seed the animal-epidemic (动物疫病) questions, if that category exists already. New
databases get them from `lianxin.open311.services.service_attributes_seed()` (demo loader)."""

from django.db import migrations

ATTRIBUTES = [
    {"code": "species", "datatype": "singlevaluelist", "required": True, "order": 1,
     "description": "畜禽种类 Species",
     "values": [{"key": "pig", "name": "猪 Pig"}, {"key": "cattle", "name": "牛 Cattle"},
                {"key": "sheep", "name": "羊 Sheep / goat"},
                {"key": "poultry", "name": "禽 Poultry"}, {"key": "other", "name": "其他 Other"}]},
    {"code": "animals_sick", "datatype": "number", "required": True, "order": 2,
     "description": "发病数量 Animals sick", "datatype_description": "头/只 head"},
    {"code": "animals_dead", "datatype": "number", "required": False, "order": 3,
     "description": "死亡数量 Animals dead", "datatype_description": "头/只 head"},
]


def seed(apps, schema_editor):
    Category = apps.get_model("appeals", "Category")
    ServiceAttribute = apps.get_model("open311", "ServiceAttribute")
    category = Category.objects.filter(code="animal-epidemic").first()
    if category is None:
        return
    for attribute in ATTRIBUTES:
        code = attribute["code"]
        defaults = {k: v for k, v in attribute.items() if k != "code"}
        ServiceAttribute.objects.get_or_create(category=category, code=code, defaults=defaults)


def unseed(apps, schema_editor):
    ServiceAttribute = apps.get_model("open311", "ServiceAttribute")
    ServiceAttribute.objects.filter(
        category__code="animal-epidemic", code__in=[a["code"] for a in ATTRIBUTES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_api_keys_and_attributes"), ("appeals", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
