"""Every API schema has its own name: django-ninja keys the OpenAPI components by class name, so two
schemas of one name (a patrol's checklist item and a consultation item were both `ItemOut`) silently document
one of them with the other's fields — which the schema fuzzer then reports as a broken contract."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from nuanqi.api import api


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def test_no_two_api_schemas_share_a_name():
    assert api.get_openapi_schema()  # every router registered, every schema imported
    by_name: dict[str, list[str]] = defaultdict(list)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("nuanqi."):
            by_name[cls.__name__].append(cls.__module__)
    same = {name: mods for name, mods in by_name.items() if len(mods) > 1}
    # ErrorOut is the one error shape, declared beside the routers that document it: the same fields
    # everywhere.
    same.pop("ErrorOut", None)
    assert not same, same
