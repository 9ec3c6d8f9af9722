"""Function signatures and docstrings become GA function tools the SDK accepts."""

import datetime as dt
import enum
import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NotRequired, Optional, TypedDict

import pytest
from openai.types.realtime import RealtimeFunctionTool, RealtimeSessionCreateRequest
from pydantic import BaseModel, Field

from realtime_widget.tools import ToolSchemaError, describe_tool, function_schema


def props(fn: Any) -> dict[str, Any]:
    result: dict[str, Any] = function_schema(fn)["parameters"]["properties"]
    return result


def test_spec_shape_and_sdk_types() -> None:
    def get_weather(city: str, days: int = 1) -> str:
        """Get the forecast for a city.

        Args:
            city: City name.
            days: Days ahead.
        """
        return city

    spec = function_schema(get_weather)
    assert spec == {
        "type": "function",
        "name": "get_weather",
        "description": "Get the forecast for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name."},
                "days": {"type": "integer", "description": "Days ahead.", "default": 1},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    }
    tool = RealtimeFunctionTool.model_validate(spec)
    assert tool.model_extra == {}
    session = RealtimeSessionCreateRequest.model_validate({"type": "realtime", "tools": [spec]})
    assert session.tools is not None and session.tools[0].name == "get_weather"  # type: ignore[union-attr]


def test_primitives() -> None:
    def f(a: str, b: int, c: float, d: bool, e: None, g: Any) -> None: ...

    assert props(f) == {
        "a": {"type": "string"},
        "b": {"type": "integer"},
        "c": {"type": "number"},
        "d": {"type": "boolean"},
        "e": {"type": "null"},
        "g": {},
    }


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


def test_literal_and_enums() -> None:
    def f(
        mode: Literal["fast", "slow"], n: Literal[1, 2], mixed: Literal["a", 1], c: Color, lv: Level
    ) -> None: ...

    assert props(f) == {
        "mode": {"type": "string", "enum": ["fast", "slow"]},
        "n": {"type": "integer", "enum": [1, 2]},
        "mixed": {"type": ["string", "integer"], "enum": ["a", 1]},
        "c": {"type": "string", "enum": ["red", "green"]},
        "lv": {"type": "integer", "enum": [1, 2]},
    }


def test_containers() -> None:
    def f(
        a: list[int],
        b: Sequence[str],
        c: set[str],
        d: tuple[int, str],
        e: tuple[float, ...],
        g: dict[str, int],
        h: Mapping[str, list[bool]],
        i: list,  # type: ignore[type-arg]
    ) -> None: ...

    assert props(f) == {
        "a": {"type": "array", "items": {"type": "integer"}},
        "b": {"type": "array", "items": {"type": "string"}},
        "c": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "d": {
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "minItems": 2,
            "maxItems": 2,
        },
        "e": {"type": "array", "items": {"type": "number"}},
        "g": {"type": "object", "additionalProperties": {"type": "integer"}},
        "h": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "boolean"}},
        },
        "i": {"type": "array"},
    }


def test_optional_and_unions_and_defaults() -> None:
    def f(
        a: str | None,
        b: Optional[int] = None,  # noqa: UP045 - the spelling under test
        c: Color | None = Color.RED,
        d: int | str = 3,
        e: list[int] | None = None,
    ) -> None: ...

    p = props(f)
    assert p["a"] == {"type": ["string", "null"]}
    assert p["b"] == {"type": ["integer", "null"], "default": None}
    assert p["c"] == {"type": ["string", "null"], "enum": ["red", "green", None], "default": "red"}
    assert p["d"] == {"type": ["integer", "string"], "default": 3}
    assert p["e"] == {"type": ["array", "null"], "items": {"type": "integer"}, "default": None}
    # Optional without a default is still required: Python requires the argument.
    assert function_schema(f)["parameters"]["required"] == ["a"]


def test_string_formats() -> None:
    def f(when: dt.datetime, day: dt.date, at: dt.time, key: uuid.UUID) -> None: ...

    assert props(f) == {
        "when": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "time"},
        "key": {"type": "string", "format": "uuid"},
    }


def test_annotated_descriptions_and_constraints() -> None:
    def f(
        a: Annotated[int, "How many"],
        b: Annotated[int, Field(description="Score", ge=0, lt=10)],
        c: Annotated[list[str], Field(min_length=1, max_length=3)],
        d: Annotated[str, Field(pattern=r"^[a-z]+$", max_length=5)],
    ) -> None:
        """Do it.

        Args:
            a: Overridden by Annotated.
        """

    assert props(f) == {
        "a": {"type": "integer", "description": "How many"},
        "b": {"type": "integer", "minimum": 0, "exclusiveMaximum": 10, "description": "Score"},
        "c": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "d": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
    }


class Movie(TypedDict):
    """A movie.

    Attributes:
        title: Its title.
    """

    title: str
    year: NotRequired[int]


@dataclass
class Point:
    """A point on the plane."""

    x: float
    y: float = 0.0
    tags: list[str] = field(default_factory=list)


def test_typed_dict_and_dataclass() -> None:
    def f(movie: Movie, point: Point) -> None: ...

    p = props(f)
    assert p["movie"] == {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Its title."},
            "year": {"type": "integer"},
        },
        "required": ["title"],
        "additionalProperties": False,
        "description": "A movie.",
    }
    assert p["point"] == {
        "type": "object",
        "properties": {
            "x": {"type": "number"},
            "y": {"type": "number", "default": 0.0},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["x"],
        "additionalProperties": False,
        "description": "A point on the plane.",
    }


class Address(BaseModel):
    """Where to deliver."""

    street: str = Field(description="Street and number")
    zip: str


class Order(BaseModel):
    items: list[str]
    ship_to: Address
    note: str | None = None


class TreeNode(BaseModel):
    value: int
    children: list["TreeNode"] = []


def test_pydantic_models_are_inlined_without_refs() -> None:
    def place(order: Order) -> None: ...

    params = function_schema(place)["parameters"]
    assert "$defs" not in params
    order = params["properties"]["order"]
    assert "$ref" not in repr(order) and "title" not in order
    assert order["properties"]["ship_to"] == {
        "description": "Where to deliver.",
        "properties": {
            "street": {"description": "Street and number", "type": "string"},
            "zip": {"type": "string"},
        },
        "required": ["street", "zip"],
        "type": "object",
    }
    assert order["required"] == ["items", "ship_to"]


def test_recursive_pydantic_model_keeps_a_root_ref() -> None:
    def walk(tree: TreeNode) -> None: ...

    params = function_schema(walk)["parameters"]
    assert params["properties"]["tree"]["properties"]["children"]["items"] == {
        "$ref": "#/$defs/TreeNode"
    }
    assert params["$defs"]["TreeNode"]["properties"]["value"] == {"type": "integer"}


def test_property_named_title_survives_title_stripping() -> None:
    class Book(BaseModel):
        title: str

    def f(book: Book) -> None: ...

    assert props(f)["book"]["properties"] == {"title": {"type": "string"}}


def test_name_and_description_overrides_and_callables() -> None:
    def f(x: int) -> None:
        """Original."""

    spec = function_schema(f, name="renamed-tool", description="Custom text")
    assert (spec["name"], spec["description"]) == ("renamed-tool", "Custom text")

    class Counter:
        def __call__(self, step: int) -> int:
            return step

    assert function_schema(Counter())["name"] == "Counter"
    assert props(Counter()) == {"step": {"type": "integer"}}

    def add(a: int, b: int) -> int:
        return a + b

    spec = function_schema(functools.partial(add, b=1), name="inc")
    assert spec["parameters"]["required"] == ["a"]


def test_string_annotations_are_resolved() -> None:
    from . import _future_annotations as mod

    assert props(mod.tool) == {"n": {"type": "integer"}, "c": {"type": "string", "enum": ["x"]}}


class Opaque:
    pass


@pytest.mark.parametrize(
    ("fn", "fragments"),
    [
        (lambda: None, ["lambda", "name="]),
    ],
)
def test_lambda_needs_a_name(fn: Any, fragments: list[str]) -> None:
    with pytest.raises(ToolSchemaError) as info:
        function_schema(fn)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_rejections_name_function_parameter_and_fix() -> None:
    def custom(thing: Opaque) -> None: ...

    def missing(x, y: int) -> None: ...  # type: ignore[no-untyped-def]

    def star(*values: int) -> None: ...

    def kw(**options: str) -> None: ...

    def int_keys(m: dict[int, str]) -> None: ...

    class Mixed(enum.Enum):
        A = "a"
        B = 2

    def mixed(m: Mixed) -> None: ...

    cases: list[tuple[Callable[..., Any], list[str]]] = [
        (custom, ["'custom'", "parameter 'thing'", "Opaque", "TypedDict"]),
        (missing, ["'missing'", "parameter 'x'", "no type annotation", "x: str"]),
        (star, ["*values", "named parameters"]),
        (kw, ["**options", "dict[str, T]"]),
        (int_keys, ["parameter 'm'", "dict[str, T]"]),
        (mixed, ["parameter 'm'", "str (or int) values"]),
    ]
    for fn, fragments in cases:
        with pytest.raises(ToolSchemaError) as info:
            function_schema(fn)
        for fragment in fragments:
            assert fragment in str(info.value), (fragment, str(info.value))


def test_nested_unsupported_type_names_the_path() -> None:
    def f(points: list[dict[str, Opaque]]) -> None: ...

    with pytest.raises(ToolSchemaError, match=r"parameter 'points' \(list item\) \(value\)"):
        function_schema(f)


def test_recursive_typed_dict_is_rejected_with_advice() -> None:
    from . import _future_annotations as mod

    with pytest.raises(ToolSchemaError, match="pydantic model"):
        function_schema(mod.recursive)


@pytest.mark.parametrize("bad", ["", "has space", "a" * 65, "dots.not.ok", "ünïcode"])
def test_invalid_names_are_rejected(bad: str) -> None:
    def f() -> None: ...

    with pytest.raises(ToolSchemaError, match="1 to 64 letters"):
        function_schema(f, name=bad)


def test_undefined_forward_reference() -> None:
    def f(x: "NotDefinedAnywhere") -> None: ...  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(ToolSchemaError, match=r"parameter 'x'.*NotDefinedAnywhere.*not defined"):
        function_schema(f)


def test_definition_keeps_hints_and_positional_only() -> None:
    def f(a: int, /, b: Color) -> None: ...

    definition = describe_tool(f)
    assert definition.positional_only == ("a",)
    assert definition.hints == {"a": int, "b": Color}
