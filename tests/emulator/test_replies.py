"""Invented tool arguments: the emulator fills a called tool's arguments from the user's text
and the parameter schema, and falls back to a minimal valid value when nothing fits."""

from __future__ import annotations

from typing import Any

from realtime_widget.emulator.replies import ReplyContext, ToolCall, default_reply, invent_arguments


def tool(properties: dict[str, Any], name: str = "stock") -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        },
    }


FRUIT = {"type": "string", "enum": ["apples", "pears", "plums"]}


def call_for(text: str, t: dict[str, Any]) -> ToolCall:
    ctx = ReplyContext(
        user_text=text,
        user_audio_ms=None,
        items=(),
        tools=(t,),
        tool_choice="auto",
        function_outputs=(),
        instructions="",
        response_index=0,
    )
    reply = default_reply(ctx)
    assert reply.tool_call is not None
    return reply.tool_call


def test_enum_value_named_in_the_text() -> None:
    t = tool({"item": FRUIT})
    assert call_for("How many pears are in stock? Use the stock tool.", t).arguments == {
        "item": "pears"
    }
    # Case and singular forms count as naming the value.
    assert invent_arguments(t["parameters"], "Any Plum left in STOCK?") == {"item": "plums"}
    # A Literal behind anyOf (Optional[Literal[...]]) too.
    optional = {"anyOf": [FRUIT, {"type": "null"}]}
    assert invent_arguments(tool({"item": optional})["parameters"], "apples?") == {"item": "apples"}


def test_number_in_the_text_for_a_numeric_parameter() -> None:
    t = tool({"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}}, "get_weather")
    assert call_for("get_weather for Paris over the next 3 days", t).arguments == {
        "city": "Paris",
        "days": 3,
    }
    grams = tool({"weight": {"type": "number"}, "count": {"type": "integer"}})["parameters"]
    assert invent_arguments(grams, "weigh 2.5 kg, then count 7 boxes") == {
        "weight": 2.5,
        "count": 7,
    }
    # A number outside the schema's range is not used.
    assert invent_arguments(
        tool({"n": {"type": "integer", "maximum": 10}})["parameters"], "50"
    ) == {"n": 0}


def test_a_word_of_the_text_for_a_string_parameter() -> None:
    # The word after the parameter's name wins ...
    t = tool({"city": {"type": "string"}}, "get_weather")
    assert call_for("Use get_weather, city Lyon, not the capital", t).arguments == {"city": "Lyon"}
    # ... otherwise the first content word that is not a stop word or the tool's name.
    t = tool({"item": {"type": "string"}})
    assert call_for("How many apples are in stock? Use the stock tool.", t).arguments == {
        "item": "apples"
    }


def test_fallback_when_nothing_in_the_text_fits() -> None:
    t = tool(
        {
            "item": FRUIT,
            "count": {"type": "integer", "minimum": 1},
            "code": {"type": "string"},
            "flag": {"type": "boolean"},
        }
    )
    assert call_for("use the stock tool", t).arguments == {
        "item": "apples",
        "count": 1,
        "code": "x",
        "flag": False,
    }
    assert invent_arguments(t["parameters"], None) == {
        "item": "apples",
        "count": 1,
        "code": "x",
        "flag": False,
    }


def test_the_prototyping_notebooks_tool_demo_answers_with_the_real_stock() -> None:
    """notebooks/prototyping.ipynb: the emulator's call to `stock` reads the apples row (12)."""
    import ast
    import json
    from pathlib import Path

    import nbformat

    from realtime_widget import RealtimeWidget

    path = Path(__file__).resolve().parents[2] / "notebooks" / "prototyping.ipynb"
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    tool_cell = next(c for c in cells if "@w.tool" in c)
    send = next(c for c in cells if c.startswith("w.send_text("))
    text = ast.literal_eval(send.removeprefix("w.send_text(").removesuffix(")"))
    imports = cells[0].split("w = RealtimeWidget")[0]  # the first cell's imports, no widget
    namespace: dict[str, Any] = {"w": RealtimeWidget()}
    exec(imports + "\n" + tool_cell, namespace)
    (spec,) = namespace["w"].tool_specs
    called = call_for(text, spec)
    assert called.name == "stock" and called.arguments == {"item": "apples"}
    arguments = json.loads(json.dumps(called.arguments))
    assert namespace["stock"](**arguments) == 12
