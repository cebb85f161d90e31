"""Records the engine builds by the hundred thousand: msgspec structs that pydantic reads and writes as dataclasses.

A frozen msgspec struct is built ten times faster than a frozen dataclass and written by msgspec without a call
into Python. Wherever an evaluation is read back or written by pydantic, a record is read and written as the
frozen dataclass of the same name, fields, types and docstring that ``PlainRecord`` makes from it, refusing an
unknown field: the JSON, the errors and the JSON Schema are the dataclass's.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any, Self, get_type_hints

import msgspec
from pydantic import ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema


class PlainRecord(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Base of the plain records: frozen, fields by name only, and out of the cycle collector's reach.

    A record holds texts, numbers, dates, enums and other plain records, so it can be in no cycle.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """Read a record as its dataclass reads (a record given as one is kept), and write it as its dataclass."""
        mirror = _mirror(cls)
        as_dataclass = handler.generate_schema(mirror)
        return core_schema.no_info_wrap_validator_function(
            cls._read,
            as_dataclass,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda record: mirror(**_fields(cls, record)), return_schema=as_dataclass
            ),
        )

    @classmethod
    def _read(cls, value: object, read_as_dataclass: core_schema.ValidatorFunctionWrapHandler) -> Self:
        if isinstance(value, cls):
            return value
        return cls(**_fields(cls, read_as_dataclass(value)))


def _fields(kind: type[PlainRecord], value: object) -> dict[str, Any]:
    """Return a record's fields by name, from the record or its dataclass, not copied deeper."""
    return {name: getattr(value, name) for name in kind.__struct_fields__}


@cache
def _mirror(kind: type[PlainRecord]) -> type:
    """Make the frozen dataclass pydantic reads and writes a record as: its name, fields, types and docstring."""
    hints = get_type_hints(kind, include_extras=True)
    mirror = dataclasses.make_dataclass(
        kind.__name__,
        [(name, hints[name]) for name in kind.__struct_fields__],
        namespace={"__doc__": kind.__doc__, "__pydantic_config__": ConfigDict(extra="forbid")},
        kw_only=True,
        frozen=True,
        slots=True,
    )
    mirror.__module__ = kind.__module__
    mirror.__qualname__ = kind.__qualname__
    return mirror
