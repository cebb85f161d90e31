"""Records an evaluation holds many of: msgspec structs that pydantic reads, writes and describes as dataclasses.

A frozen msgspec struct is built about ten times faster than a frozen dataclass or a pydantic model, and msgspec
writes it without a call into Python. Wherever pydantic meets a record (an evaluation read back, written by
pydantic, or described in its JSON Schema), it meets it as the frozen dataclass of the same name, fields, defaults,
types and docstring that ``PlainRecord`` makes from it, which refuses an unknown field: the JSON, the errors and
the JSON Schema are the dataclass's. A record given where one is expected is kept as it is, as pydantic keeps a
dataclass instance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from operator import attrgetter
from typing import Any, ClassVar, get_type_hints

import msgspec
from pydantic import ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema


class PlainRecord(msgspec.Struct, frozen=True, gc=False):
    """Base of the plain records: frozen, and out of the cycle collector's reach.

    A record holds texts, numbers, dates, enums, lists of those and other records, none of which can lead back to
    it, so it can be in no cycle.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """Read a record as its dataclass reads, keeping a record as given, and write it as its dataclass."""
        mirror = _mirror(cls)
        as_dataclass = handler.generate_schema(mirror)
        values = _values(cls)

        def record(value: object) -> PlainRecord:
            return value if isinstance(value, cls) else cls(*values(value))

        def written(value: PlainRecord) -> object:
            return mirror(*values(value))

        return core_schema.no_info_after_validator_function(
            record,
            as_dataclass,
            serialization=core_schema.plain_serializer_function_ser_schema(written, return_schema=as_dataclass),
        )


@cache
def _values(kind: type[PlainRecord]) -> Callable[[object], tuple[Any, ...]]:
    """Read the fields of a record, or of its dataclass, in their order."""
    names = kind.__struct_fields__
    read = attrgetter(*names)
    return read if len(names) > 1 else lambda value: (read(value),)


class _Mirrors(type):
    """The type of the records' dataclasses, which counts a record as an instance of its own dataclass.

    pydantic then keeps a record given in place of the dataclass as it is, as it keeps a dataclass instance.
    """

    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, cls.record) or type.__instancecheck__(cls, value)  # type: ignore[attr-defined]


class _Mirror(metaclass=_Mirrors):
    __slots__ = ()
    #: The record a dataclass stands for.
    record: ClassVar[type] = object


@cache
def _mirror(kind: type[PlainRecord]) -> type:
    """Make the frozen dataclass pydantic meets a record as: its name, fields, defaults, types and docstring."""
    hints = get_type_hints(kind, include_extras=True)
    mirror = dataclasses.make_dataclass(
        kind.__name__,
        [(field.name, hints[field.name], _default(field)) for field in msgspec.structs.fields(kind)],
        bases=(_Mirror,),
        namespace={"__doc__": kind.__doc__, "__pydantic_config__": ConfigDict(extra="forbid"), "record": kind},
        frozen=True,
        slots=True,
    )
    mirror.__module__ = kind.__module__
    mirror.__qualname__ = kind.__qualname__
    return mirror


def _default(field: msgspec.structs.FieldInfo) -> Any:
    if field.default_factory is not msgspec.NODEFAULT:
        return dataclasses.field(default_factory=field.default_factory)
    if field.default is not msgspec.NODEFAULT:
        return dataclasses.field(default=field.default)
    return dataclasses.field()
