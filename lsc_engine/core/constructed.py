"""Models made of the engine's own values as pydantic's ``model_construct`` makes them, in compiled code.

``model_construct`` runs as Python and reads its model's settings field by field on every call: under cProfile it
was nearly half of the Python a small evaluation still ran. The models an evaluation is made of have plain fields,
some with a default that cannot change; their plan (the fields in order, and those defaults) is read once per
model. A model made here holds the same fields in the same order, and the same record of which were given, as
``model_construct`` makes (a default is shared where pydantic copies it: it cannot change), as
``tests/test_constructed.py`` checks.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any, Final, TypeVar

from pydantic import BaseModel

_M = TypeVar("_M", bound=BaseModel)

#: Values a default may be, shared by every model made without a copy: none of them can be changed.
_UNCHANGING = (str, int, float, bool, date, Enum, type(None))


class _Plan:
    """A model's fields in order, those it requires, and the defaults of the others."""

    def __init__(self, names: tuple[str, ...], required: frozenset[str], defaults: dict[str, object]) -> None:
        self.names = names
        self.known = frozenset(names)
        self.required = required
        self.defaults = defaults


#: Each model's plan, read the first time one is made.
_PLANS: dict[type[BaseModel], _Plan] = {}

#: pydantic's own ``model_construct``, which a model that makes its models otherwise overrides.
_MODEL_CONSTRUCT: Final = BaseModel.__dict__["model_construct"].__func__
_new: Final = object.__new__
_set: Final = object.__setattr__


def constructed(kind: type[_M], **values: Any) -> _M:
    """Make a model of valid values as ``model_construct`` would; refuse a value of no field, or a missing one."""
    plan = _PLANS.get(kind)
    if plan is None:
        plan = _PLANS[kind] = _plan(kind)
    given = values.keys()
    if not given <= plan.known:
        raise TypeError(f"{kind.__name__} has no field {min(name for name in given if name not in plan.known)}")
    if not plan.required <= given:
        raise TypeError(f"{kind.__name__} needs a value for {min(name for name in plan.required if name not in given)}")
    defaults = plan.defaults
    fields = {name: values[name] if name in given else defaults[name] for name in plan.names}
    model = _new(kind)  # the model's own __new__ is object's (``_plan`` checks)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", {name for name in plan.names if name in given})  # in order, as pydantic
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _plan(kind: type[BaseModel]) -> _Plan:
    """Read a model's fields and unchanging defaults, refusing a model that ``model_construct`` makes otherwise."""
    if kind.__pydantic_root_model__ or kind.__pydantic_post_init__ or kind.__private_attributes__:
        raise TypeError(f"{kind.__name__} is not a model of plain fields")
    if kind.__new__ is not object.__new__ or getattr(kind.model_construct, "__func__", None) is not _MODEL_CONSTRUCT:
        raise TypeError(f"{kind.__name__} makes its models its own way")
    if kind.model_config.get("extra") == "allow":
        raise TypeError(f"{kind.__name__} keeps extra values")
    defaults: dict[str, object] = {}
    required: set[str] = set()
    for name, field in kind.__pydantic_fields__.items():
        if field.alias is not None or field.validation_alias is not None:
            raise TypeError(f"{kind.__name__}.{name} has an alias")
        if field.is_required():
            required.add(name)
            continue
        if field.default_factory is not None or not isinstance(field.default, _UNCHANGING):
            raise TypeError(f"{kind.__name__}.{name} has a default that a model could change")
        defaults[name] = field.default
    return _Plan(tuple(kind.__pydantic_fields__), frozenset(required), defaults)
