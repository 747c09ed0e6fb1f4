"""The extra questions that categories of the default catalogue ask (plain data)."""

ANIMAL_EPIDEMIC = "animal-epidemic"

EPIDEMIC_ATTRIBUTES = [
    {
        "code": "species",
        "datatype": "singlevaluelist",
        "required": True,
        "order": 1,
        "description": "畜禽种类 Species",
        "values": [
            {"key": "pig", "name": "猪 Pig"},
            {"key": "cattle", "name": "牛 Cattle"},
            {"key": "sheep", "name": "羊 Sheep / goat"},
            {"key": "poultry", "name": "禽 Poultry"},
            {"key": "other", "name": "其他 Other"},
        ],
    },
    {
        "code": "animals_sick",
        "datatype": "number",
        "required": True,
        "order": 2,
        "description": "发病数量 Animals sick",
        "datatype_description": "头/只 head",
    },
    {
        "code": "animals_dead",
        "datatype": "number",
        "required": False,
        "order": 3,
        "description": "死亡数量 Animals dead",
        "datatype_description": "头/只 head",
    },
]
