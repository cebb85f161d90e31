"""Records an evaluation holds many of: msgspec structs that pydantic reads, writes and describes as it did before.

A frozen msgspec struct is built about ten times faster than a frozen dataclass or a pydantic model, and msgspec
writes it without a call into Python. Wherever pydantic meets a record (an evaluation read back, written by
pydantic, or described in its JSON Schema), it meets it as the frozen pydantic model, or the frozen dataclass, of
the same name, fields, defaults, types and docstring that ``PlainRecord`` makes from it (``mirror``: what the record
was before it was a record), which refuses an unknown field: the JSON, the errors and the JSON Schema are that
model's or dataclass's. A record given where one is expected is kept as it is, as pydantic keeps an instance.

pydantic writes a record only where an annotation declares one (as everywhere in an evaluation); it cannot write
one held as ``Any``, nor can FastAPI's ``jsonable_encoder``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from operator import attrgetter
from typing import Any, ClassVar, Literal, get_type_hints

import msgspec
from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, create_model
from pydantic._internal._model_construction import ModelMetaclass
from pydantic_core import core_schema

#: How pydantic meets a record, the same as before, refusing an unknown field.
_CONFIG = ConfigDict(frozen=True, extra="forbid")


class PlainRecord(msgspec.Struct, frozen=True, gc=False):
    """Base of the plain records: frozen, and out of the cycle collector's reach.

    A record holds texts, numbers, dates, enums, lists of those and other records, none of which can lead back to
    it, so it can be in no cycle.
    """

    #: What pydantic reads, writes and describes the record as: a model, or a dataclass.
    mirror: ClassVar[Literal["model", "dataclass"]] = "model"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """Read a record as its mirror reads, keeping a record as given, and write it as its mirror."""
        mirror = _mirror(cls)
        values = _values(cls)

        def record(value: object) -> PlainRecord:
            return value if isinstance(value, cls) else cls(*values(value))

        def written(value: PlainRecord, write: core_schema.SerializerFunctionWrapHandler) -> Any:
            # The mirror's own serializer writes it, with whatever it was asked to include or leave out.
            return write(as_mirrored(value))

        as_mirrored = _as_mirrored(cls, mirror)
        as_mirror = handler.generate_schema(mirror)
        return core_schema.no_info_after_validator_function(
            record,
            as_mirror,
            serialization=core_schema.wrap_serializer_function_ser_schema(written, schema=as_mirror),
        )


def _as_mirrored(kind: type[PlainRecord], mirror: type) -> Callable[[PlainRecord], object]:
    """Return how to make a record's mirror of a record (every field of a model then counts as set)."""
    values = _values(kind)
    if issubclass(mirror, BaseModel):
        model, names = mirror, kind.__struct_fields__
        return lambda value: model.model_construct(**dict(zip(names, values(value), strict=True)))
    return lambda value: mirror(*values(value))


@cache
def _values(kind: type[PlainRecord]) -> Callable[[object], tuple[Any, ...]]:
    """Read the fields of a record, or of its mirror, in their order."""
    names = kind.__struct_fields__
    read = attrgetter(*names)
    return read if len(names) > 1 else lambda value: (read(value),)


class _DataclassMirrors(type):
    """The type of the records' dataclasses, which counts a record as an instance of its own dataclass."""

    record: type

    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, cls.record) or type.__instancecheck__(cls, value)


class _DataclassMirror(metaclass=_DataclassMirrors):
    __slots__ = ()
    record: ClassVar[type] = type(None)


class _ModelMirrors(ModelMetaclass):  # pydantic's own type of models, which it does not export
    """The type of the records' models, which counts a record as an instance of its own model."""

    record: type

    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, cls.record) or super().__instancecheck__(value)


class _ModelMirror(BaseModel, metaclass=_ModelMirrors):
    model_config = _CONFIG
    record: ClassVar[type] = type(None)


@cache
def _mirror(kind: type[PlainRecord]) -> type:
    """Make the model or dataclass pydantic meets a record as: its name, fields, defaults, types and docstring."""
    hints = get_type_hints(kind, include_extras=True)
    fields = msgspec.structs.fields(kind)
    if kind.mirror == "model":
        mirror = _model(kind, {field.name: (hints[field.name], _model_default(field)) for field in fields})
    else:
        mirror = _dataclass(kind, [(field.name, hints[field.name], _dataclass_default(field)) for field in fields])
        mirror.__module__ = kind.__module__
    mirror.__qualname__ = kind.__qualname__
    setattr(mirror, "record", kind)  # noqa: B010 (a class variable each mirror has)
    return mirror


def _model(kind: type[PlainRecord], fields: dict[str, Any]) -> type:
    return create_model(
        kind.__name__, __base__=_ModelMirror, __doc__=kind.__doc__, __module__=kind.__module__, **fields
    )


def _dataclass(kind: type[PlainRecord], fields: list[tuple[str, Any, Any]]) -> type:
    namespace = {"__doc__": kind.__doc__, "__pydantic_config__": _CONFIG}
    return dataclasses.make_dataclass(
        kind.__name__, fields, bases=(_DataclassMirror,), namespace=namespace, frozen=True, slots=True
    )


def _model_default(field: msgspec.structs.FieldInfo) -> Any:
    if field.default_factory is not msgspec.NODEFAULT:
        return Field(default_factory=field.default_factory)
    return ... if field.default is msgspec.NODEFAULT else field.default


def _dataclass_default(field: msgspec.structs.FieldInfo) -> Any:
    if field.default_factory is not msgspec.NODEFAULT:
        return dataclasses.field(default_factory=field.default_factory)
    if field.default is not msgspec.NODEFAULT:
        return dataclasses.field(default=field.default)
    return dataclasses.field()
