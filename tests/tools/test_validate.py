"""The model's arguments are checked against the derived schema and turned into Python values."""

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import pytest
from pydantic import BaseModel, Field, field_validator

from realtime_widget.tools import ArgumentValidationError, describe_tool, validate_arguments
from realtime_widget.tools.validate import schema_errors


class Unit(enum.Enum):
    C = "celsius"
    F = "fahrenheit"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


@dataclass
class Point:
    x: float
    y: float = 0.0

    def __post_init__(self) -> None:
        if self.x < -1000:
            raise ValueError("x is off the map")


class Address(BaseModel):
    city: str
    zip: str

    @field_validator("zip")
    @classmethod
    def five_digits(cls, value: str) -> str:
        if len(value) != 5:
            raise ValueError("zip must have 5 digits")
        return value


def problems_of(fn: Any, args: Any) -> list[str]:
    definition = describe_tool(fn)
    with pytest.raises(ArgumentValidationError) as info:
        validate_arguments(definition.parameters, args, types=definition.hints, tool="t")
    assert str(info.value).startswith("Invalid arguments for tool 't':\n- ")
    return info.value.problems


def coerce(fn: Any, args: dict[str, Any]) -> dict[str, Any]:
    definition = describe_tool(fn)
    return validate_arguments(definition.parameters, args, types=definition.hints)


def test_valid_arguments_pass_and_are_coerced() -> None:
    def f(
        unit: Unit,
        prio: Priority,
        pair: tuple[int, str],
        many: tuple[float, ...],
        tags: set[str],
        movie: Movie,
        point: Point,
        address: Address,
        when: dt.datetime,
        day: dt.date,
        key: uuid.UUID,
        ratio: float,
        count: int,
        nested: dict[str, list[Unit]],
        maybe: Point | None = None,
    ) -> None: ...

    got = coerce(
        f,
        {
            "unit": "fahrenheit",
            "prio": 2,
            "pair": [1, "a"],
            "many": [1, 2.5],
            "tags": ["x", "y"],
            "movie": {"title": "Heat"},
            "point": {"x": 1},
            "address": {"city": "Paris", "zip": "75001"},
            "when": "2024-05-01T12:30:00Z",
            "day": "2024-05-01",
            "key": "12345678-1234-5678-1234-567812345678",
            "ratio": 2,
            "count": 3.0,
            "nested": {"a": ["celsius"]},
            "maybe": None,
        },
    )
    assert got == {
        "unit": Unit.F,
        "prio": Priority.HIGH,
        "pair": (1, "a"),
        "many": (1.0, 2.5),
        "tags": {"x", "y"},
        "movie": {"title": "Heat"},
        "point": Point(x=1.0, y=0.0),
        "address": Address(city="Paris", zip="75001"),
        "when": dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC),
        "day": dt.date(2024, 5, 1),
        "key": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "ratio": 2.0,
        "count": 3,
        "nested": {"a": [Unit.C]},
        "maybe": None,
    }
    assert type(got["ratio"]) is float and type(got["count"]) is int
    assert type(got["point"].x) is float


def test_every_problem_is_listed_with_its_path() -> None:
    def f(city: str, unit: Unit, days: int, tags: list[str], movie: Movie, pair: tuple[int, str]):  # type: ignore[no-untyped-def]
        ...

    problems = problems_of(
        f,
        {
            "unit": "kelvin",
            "days": "3",
            "tags": ["ok", 2, None],
            "movie": {"year": 1995, "rating": 5},
            "pair": [1],
            "extra": True,
        },
    )
    assert problems == [
        "city: required but missing",
        'unit: "kelvin" is not one of "celsius", "fahrenheit"',
        'days: expected an integer, got "3"',
        "tags[1]: expected a string, got 2",
        "tags[2]: expected a string, got null",
        "movie.title: required but missing",
        "movie.rating: unexpected property (allowed: title, year)",
        "pair: needs at least 2 items, got 1",
        "extra: unexpected property (allowed: city, unit, days, tags, movie, pair)",
    ]


def test_booleans_are_not_numbers_and_fractions_are_not_integers() -> None:
    def f(n: int, x: float, flag: bool) -> None: ...

    assert problems_of(f, {"n": True, "x": False, "flag": 1}) == [
        "n: expected an integer, got true",
        "x: expected a number, got false",
        "flag: expected true or false, got 1",
    ]
    assert problems_of(f, {"n": 1.5, "x": 1, "flag": True}) == ["n: expected an integer, got 1.5"]


def test_optional_and_union_messages() -> None:
    def f(a: str | None, b: int | list[int]) -> None: ...

    assert problems_of(f, {"a": 3, "b": "x"}) == [
        "a: expected a string or null, got 3",
        'b: expected an integer or an array, got "x"',
    ]
    assert coerce(f, {"a": None, "b": [1, 2]}) == {"a": None, "b": [1, 2]}


def test_constraints_from_annotated() -> None:
    def f(
        score: Annotated[int, Field(ge=0, lt=10)],
        name: Annotated[str, Field(min_length=2, pattern=r"^[a-z]+$")],
        picks: Annotated[list[int], Field(max_length=2)],
    ) -> None: ...

    assert problems_of(f, {"score": 10, "name": "A", "picks": [1, 2, 3]}) == [
        "score: must be < 10, got 10",
        "name: must have at least 2 characters",
        "name: \"A\" does not match '^[a-z]+$'",
        "picks: allows at most 2 items, got 3",
    ]


def test_pydantic_and_dataclass_validation_errors_are_reported() -> None:
    def f(address: Address, point: Point) -> None: ...

    problems = problems_of(f, {"address": {"city": "Paris", "zip": "1"}, "point": {"x": -5000}})
    assert problems == [
        "address.zip: Value error, zip must have 5 digits",
        "point: ValueError: x is off the map",
    ]


def test_bad_date_is_reported() -> None:
    def f(day: dt.date) -> None: ...

    assert problems_of(f, {"day": "yesterday"}) == [
        'day: "yesterday" is not an ISO 8601 date (YYYY-MM-DD)'
    ]


def test_arguments_must_be_an_object() -> None:
    def f(a: int) -> None: ...

    assert problems_of(f, [1]) == ["arguments: expected an object, got [1]"]


def test_accepts_whole_tool_spec_and_no_types() -> None:
    def pick(mode: Literal["a", "b"]) -> None: ...

    spec = describe_tool(pick).spec()
    assert validate_arguments(spec, {"mode": "a"}) == {"mode": "a"}
    with pytest.raises(ArgumentValidationError, match="tool 'pick'"):
        validate_arguments(spec, {"mode": "c"})


def test_recursive_refs_validate() -> None:
    class Node(BaseModel):
        value: int
        children: list["Node"] = []

    def walk(tree: Node) -> None: ...

    definition = describe_tool(walk)
    bad = {"tree": {"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}]}}
    problems = schema_errors(definition.parameters, bad)
    assert problems == ['tree.children[0].children[0].value: expected an integer, got "x"']
    good = {"tree": {"value": 1, "children": [{"value": 2}]}}
    coerced = validate_arguments(definition.parameters, good, types=definition.hints)
    assert coerced["tree"] == Node(value=1, children=[Node(value=2)])


def test_one_of_and_const_and_unique() -> None:
    schema = {
        "type": "object",
        "properties": {
            "k": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
            "c": {"const": "x"},
            "u": {"type": "array", "uniqueItems": True},
        },
    }
    assert schema_errors(schema, {"k": 1, "c": "y", "u": [1, 2, 1]}) == [
        "k: 1 matches more than one allowed form",
        'c: must be "x", got "y"',
        "u[2]: repeats an earlier item (1)",
    ]
    assert schema_errors(schema, {"k": 1.5, "c": "x", "u": [1, True]}) == []
