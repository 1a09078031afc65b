"""Build typed, frozen parameter dataclasses from YAML data, collecting every problem.

A part (step, fault, check) declares its parameters as dataclass fields; this module turns a
YAML mapping into an instance, or into a list of located problems: unknown keys (with the
known ones), missing required keys, and values of the wrong type with what is allowed.
A part may name a `primary` field: then a bare scalar (`screenshot: connected`) fills it.

Every duration and number has an allowed range: its own (`Annotated[int, Range(1, 10000)]`)
or the default of its type (`DURATION_RANGE`, `COUNT_RANGE`); a value outside it is a problem
that states the range. Values quoted in messages are cut to 80 characters.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeVar, Union, get_args, get_origin

from harness.scenario.yamlpos import Path_, Positions, Problem, shown, unknown_key
from harness.units import COUNT_RANGE, DURATION_RANGE, Duration, Range, format_seconds

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from typing_extensions import TypeForm

_MISSING = dataclasses.MISSING
D = TypeVar("D")
T = TypeVar("T")


class _Marker(Protocol):
    """An `Annotated` extra that judges a converted string (e.g. `JavaScript`)."""

    def problem(self, value: str) -> str | None: ...


def build(cls: type[D], data: object, path: Path_, pos: Positions, problems: list[Problem]) -> D | None:
    """Instantiate `cls` from `data`; on any problem append it and return None."""
    if not dataclasses.is_dataclass(cls):  # what dataclasses.fields() would raise
        raise TypeError("build() takes a dataclass type")
    hints = typing.get_type_hints(cls, include_extras=True)
    params = [f for f in dataclasses.fields(cls) if f.init]
    primary = getattr(cls, "primary", None)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        if primary is None:
            what = f"a mapping of {_names(params)}" if params else f"no parameters (write `{path[-1]}: {{}}`)"
            problems.append(pos.problem(path, f"expected {what}, got {shown(data)}"))
            return None
        data = {primary: data}
    before = len(problems)
    known = {f.name: f for f in params}
    kwargs: dict[str, object] = {}
    for key, value in data.items():
        field = known.get(key)
        if field is None:
            problems.append(pos.problem(path + (key,), unknown_key(key, list(known)), key=True))
            continue
        kwargs[key] = _converted(hints[key], value, path + (key,), pos, problems)
    for f in params:
        if f.name not in data and f.default is _MISSING and f.default_factory is _MISSING:
            problems.append(pos.problem(path, f"missing required key {f.name!r}"))
    if len(problems) > before:
        return None
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:  # cross-field validation in __post_init__
        problems.append(pos.problem(path, str(exc)))
        return None


def _names(params: list[dataclasses.Field[object]]) -> str:
    return ", ".join(f.name for f in params) or "nothing"


def convert_to(tp: TypeForm[T], value: object, path: Path_, pos: Positions, problems: list[Problem]) -> T | None:
    """Convert one value to type `tp`, appending a problem (and returning None) if it does not
    fit its type or its allowed range. A `dict[K, V]` type is checked as a mapping only: its
    keys and values are kept as written (so declare `dict[str, object]` unless V is checked)."""
    # the cast states `_converted`'s contract (a value of type tp, or None), which mypy cannot follow
    return typing.cast("T | None", _converted(tp, value, path, pos, problems))


def _converted(tp: object, value: object, path: Path_, pos: Positions, problems: list[Problem]) -> object:
    """`convert_to` for a type held in a variable (a dataclass's field hints): the value is only
    `object` to mypy; `build` passes it to the constructor of the class the hint came from."""
    item_tp = _list_item(tp)
    if item_tp is not None and isinstance(value, list):
        return _converted_list(item_tp, value, path, pos, problems)
    tp, limit, markers = _unwrap(tp)
    nested = _dataclass_in(tp)
    if nested is not None and value is not None:
        return build(nested, value, path, pos, problems)
    try:
        out = _convert(tp, value)
    except _Mismatch as exc:
        problems.append(pos.problem(path, f"expected {exc.expected}, got {shown(value)}"))
        return None
    message = out_of_range(tp, out, value, limit) or _marked_problem(markers, out)
    if message is not None:
        problems.append(pos.problem(path, message))
        return None
    return out


def _list_item(tp: object) -> object | None:
    """The item type of `list[X]` (also `Optional[list[X]]`) whose items are checked one by one:
    a checked item type (`list[Annotated[str, FaultName()]]`) or any item type that can be
    wrong (all but `object`); None for anything else."""
    if get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _list_item(inner[0]) if len(inner) == 1 else None
    item: object = get_args(tp)[0] if get_origin(tp) is list and get_args(tp) else None
    return None if item in (object, Any) else item


def _converted_list(item_tp: object, value: list[object], path: Path_, pos: Positions, problems: list[Problem]) -> object:
    """Each item converted on its own, so a problem points at the item (`tags[1]`), not the list."""
    before = len(problems)
    items = [_converted(item_tp, v, path + (i,), pos, problems) for i, v in enumerate(value)]
    return items if len(problems) == before else None


def _unwrap(tp: object) -> tuple[object, Range | None, list[object]]:
    """`Annotated[T, Range(...), marker]`, also inside Optional -> (the type without Annotated,
    its range or None, its other markers such as `JavaScript`)."""
    extras: list[object] = []
    if get_origin(tp) is Annotated:
        extras = list(get_args(tp)[1:])
    elif get_origin(tp) in (Union, types.UnionType):
        extras = [e for arg in get_args(tp) if get_origin(arg) is Annotated for e in get_args(arg)[1:]]
    found = next((e for e in extras if isinstance(e, Range)), None)
    return _strip(tp), found, [e for e in extras if not isinstance(e, Range)]


def _marked_problem(markers: list[object], value: object) -> str | None:
    """What a marker (e.g. `JavaScript`) finds wrong with a converted string value."""
    if not isinstance(value, str):
        return None
    judges = [typing.cast(_Marker, k) for k in markers if callable(getattr(k, "problem", None))]
    return next((m for m in (k.problem(value) for k in judges) if m), None)


def _strip(tp: object) -> object:
    """Remove Annotated wherever it is nested (Optional[Annotated[int, ...]] -> Optional[int])."""
    if get_origin(tp) is Annotated:
        return _strip(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType):
        return Union[tuple(_strip(a) for a in get_args(tp))]
    return tp


def default_range(tp: object) -> Range | None:
    """The range a type has when its field declares none: durations and numbers only."""
    scalar = _scalar_in(tp)
    if scalar is Duration:
        return DURATION_RANGE
    if scalar in (int, float):
        return COUNT_RANGE
    return None


def _scalar_in(tp: object) -> type[Duration] | type[int] | type[float] | None:
    """Duration/int/float in `tp`, `Optional[tp]` or `list[tp]`, if that is what it holds."""
    tp = _strip(tp)
    if get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _scalar_in(inner[0]) if len(inner) == 1 else None
    if get_origin(tp) is list and get_args(tp):
        return _scalar_in(get_args(tp)[0])
    return tp if tp is Duration or tp is int or tp is float else None


def out_of_range(tp: object, value: object, written: object, limit: Range | None = None) -> str | None:
    """The problem with a converted value outside its range (None when inside, or no range)."""
    limit = limit or default_range(tp)
    scalar = _scalar_in(tp)
    if limit is None or value is None or scalar is None:
        return None
    pairs = zip(value, written) if isinstance(value, list) and isinstance(written, list) else [(value, written)]
    for item, raw in pairs:
        if item not in limit:
            return f"expected {describe_range(scalar, limit)}, got {shown(raw)}"
    return None


def describe_range(scalar: type[Duration] | type[int] | type[float], limit: Range) -> str:
    """'a duration from 1ms to 24h', 'a whole number from 1 to 10000'."""
    if scalar is Duration:
        return f"a duration from {format_seconds(limit.low)} to {format_seconds(limit.high)}"
    word = "a whole number" if scalar is int else "a number"
    return f"{word} from {limit.low:g} to {limit.high:g}" if max(abs(limit.low), abs(limit.high)) < 1e6 \
        else f"{word} from {int(limit.low)} to {int(limit.high)}"


def _dataclass_in(tp: object) -> type[DataclassInstance] | None:
    """The dataclass in `tp` or `Optional[tp]`, if any."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp is not Duration:
        return tp
    if get_origin(tp) in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        if len(inner) == 1 and isinstance(inner[0], type) and dataclasses.is_dataclass(inner[0]) and inner[0] is not Duration:
            return inner[0]
    return None


#: What a list of each kind of item looks like, in a message.
_EXAMPLES: dict[object, str] = {Duration: "[1s, 5m]", int: "[1, 2]", float: "[0.5, 2]", bool: "[true, false]"}


class _Mismatch(Exception):
    def __init__(self, expected: str) -> None:
        self.expected = expected


def describe(tp: object) -> str:
    """Human words for a type: 'a duration like 300ms', 'one of a, b'."""
    tp = _strip(tp)
    origin, args = get_origin(tp), get_args(tp)
    if tp is Duration:
        return "a duration like 300ms, 15s or 5m"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        text = " or ".join(describe(a) for a in inner)
        return text + (" (or null)" if len(inner) < len(args) else "")
    if origin is list:
        return f"a list like {_EXAMPLES.get(_strip(args[0]), '[a, b]')}" if args else "a list"
    if origin is dict:
        return "a mapping"
    names: dict[object, str] = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
    return names.get(tp) or str(getattr(tp, "__name__", tp))


def _convert(tp: object, value: object) -> object:
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:  # a field declared `Any` (or `JSON`) takes the YAML value as it is
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp is not Duration:
        if value is None:
            raise _Mismatch("a mapping")
        raise TypeError("nested dataclasses are converted by build()")
    if tp is Duration:
        try:
            return Duration.parse(value)
        except ValueError:
            raise _Mismatch(describe(tp)) from None
    if origin is Literal:
        if value in args:
            return value
        raise _Mismatch(describe(tp))
    if origin in (Union, types.UnionType):
        return _convert_union(tp, args, value)
    if origin is list:
        if not isinstance(value, list):
            raise _Mismatch(describe(tp))
        return [_convert(args[0], v) for v in value] if args else list(value)
    if origin is dict:
        if not isinstance(value, dict):
            raise _Mismatch(describe(tp))
        return dict(value)
    return _convert_scalar(tp, value)


def _convert_union(tp: object, args: tuple[object, ...], value: object) -> object:
    if value is None and type(None) in args:
        return None
    for arg in args:
        if arg is type(None):
            continue
        try:
            return _convert(arg, value)
        except _Mismatch:
            continue
    raise _Mismatch(describe(tp))


def _convert_scalar(tp: object, value: object) -> object:
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    else:
        raise TypeError(f"unsupported parameter type {tp!r}")
    raise _Mismatch(describe(tp))
