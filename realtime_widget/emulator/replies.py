"""What the emulated assistant says: reply scripts and the default rules.

A script is either a sequence (one entry per response, in order; when it runs
out the default rules take over) or a callable that gets a `ReplyContext` and
returns a `Reply` or plain text.

Default rules, in order:
1. a function output was just provided → a text that contains it;
2. `tool_choice` forces a tool, or a declared tool's name appears in the
   user's text → call it with arguments invented from the user's text and the
   tool's JSON schema (`invent_arguments`; with `parallel_tool_calls` true,
   every tool named in the text is called);
3. after an idle timeout (server_vad `idle_timeout_ms`), prompt the user to go on;
4. otherwise reflect the user's text ("You said: …") or, for a voice turn
   without a transcript, how long the user spoke.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """One assistant response: text (spoken in audio mode), function calls, or both.

    `tool_call` is one call; `tool_calls` several, emitted in order after it (after
    the text) as separate `function_call` items of the same response. More than one
    call per response needs `parallel_tool_calls: true` (session or response.create),
    as on the real API; otherwise only the first is made.
    """

    text: str | None = None
    tool_call: ToolCall | None = None
    tool_calls: Sequence[ToolCall] = ()

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """Every function call of this reply, in order."""
        first = (self.tool_call,) if self.tool_call is not None else ()
        return first + tuple(self.tool_calls)


@dataclass(frozen=True)
class ReplyContext:
    """What the reply can depend on."""

    user_text: str | None  # text (or transcript) of the last user turn, if any
    user_audio_ms: float | None  # length of the last user turn's audio, if it was spoken
    items: Sequence[dict[str, Any]]  # the conversation so far
    tools: Sequence[dict[str, Any]]  # tools in force for this response
    tool_choice: Any
    function_outputs: Sequence[dict[str, Any]]  # function_call_output items since the last reply
    instructions: str
    response_index: int  # 0 for the first response of the session
    idle_timeout: bool = False  # server_vad's idle_timeout_ms fired: the user went quiet
    parallel_tool_calls: bool = False  # several function calls allowed in this response
    in_conversation: bool = True  # False: an out-of-band response (conversation "none")
    metadata: Any = None  # response.create's metadata


IDLE_PROMPT = "Are you still there? Take your time, I'm listening."

ReplyScript: TypeAlias = Sequence[Reply | str] | Callable[[ReplyContext], Reply | str]


def _as_reply(value: Reply | str) -> Reply:
    if isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return Reply(text=value)
    raise TypeError(f"a reply script must give Reply or str, got {type(value).__name__}")


class ReplyPlanner:
    """Turns a script (or nothing) into the next reply."""

    def __init__(self, script: ReplyScript | None = None) -> None:
        self._script = script
        self._position = 0

    def next(self, ctx: ReplyContext) -> Reply:
        script = self._script
        if script is None:
            return default_reply(ctx)
        if callable(script):
            return _as_reply(script(ctx))
        if self._position < len(script):
            entry = script[self._position]
            self._position += 1
            return _as_reply(entry)
        return default_reply(ctx)


def _function_tools(tools: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t for t in tools if t.get("type", "function") == "function" and t.get("name")]


def _forced_tool(ctx: ReplyContext, tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    choice = ctx.tool_choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        return next((t for t in tools if t["name"] == choice.get("name")), None)
    if choice == "required" and tools:
        return tools[0]
    return None


def _named_tool(text: str, tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    low = text.lower()
    for tool in tools:
        name = str(tool["name"]).lower()
        if name in low or name.replace("_", " ") in low:
            return tool
    return None


def default_reply(ctx: ReplyContext) -> Reply:
    if ctx.function_outputs:
        outputs = "; ".join(str(o.get("output", "")) for o in ctx.function_outputs)
        return Reply(text=f"The tool returned: {outputs}")
    tools = _function_tools(ctx.tools) if ctx.tool_choice != "none" else []
    tool = _forced_tool(ctx, tools) or (_named_tool(ctx.user_text or "", tools))
    if tool is not None:
        calls = [tool]
        if ctx.parallel_tool_calls:
            low = (ctx.user_text or "").lower()
            calls += [
                t
                for t in tools
                if t is not tool
                and (
                    str(t["name"]).lower() in low or str(t["name"]).lower().replace("_", " ") in low
                )
            ]
        made = [_invented_call(t, ctx.user_text) for t in calls]
        return Reply(tool_call=made[0], tool_calls=tuple(made[1:]))
    if ctx.idle_timeout:
        return Reply(text=IDLE_PROMPT)
    if ctx.user_text:
        return Reply(text=f"You said: {ctx.user_text}")
    if ctx.user_audio_ms is not None:
        return Reply(text=f"I heard you speak for {ctx.user_audio_ms / 1000:.1f} seconds.")
    return Reply(text="Hello! This is the local Realtime API emulator.")


def _invented_call(tool: dict[str, Any], text: str | None) -> ToolCall:
    schema = tool.get("parameters") or {"type": "object"}
    args = invent_arguments(schema, text, avoid={str(tool["name"]).lower()})
    return ToolCall(tool["name"], args if isinstance(args, dict) else {})


#: Words never taken as a string argument.
_STOP_WORDS_TEXT = """
    a about above after again all am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further
    get had has have having he her here hers him his how i if in into is it its just
    left let like many me more most much my no nor not now of off on once only or other our
    out over own please same she should show so some such tell than that the their them
    then there these they this those through to too tool under until up use using very
    want was we were what when where which while who whom why will with would you your
    yours call check find give look"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?![\w.]*\d)")


def invent_arguments(
    schema: Any, text: str | None, avoid: frozenset[str] | set[str] = frozenset()
) -> Any:
    """Arguments for a tool call the emulator makes up: taken from the user's `text` where
    the schema allows, else the minimal valid value (`minimal_instance`).

    For each required property of an object schema, in order:
    * an `enum` (a `Literal`) value named in the text, as a whole word, case-insensitively,
      with or without a plural "s" ("Any plum?" → "plums");
    * for `integer`/`number`, a number written in the text (digits), each used once and only
      if it fits `minimum`/`maximum`;
    * for a `string` without enum, the word after the parameter's name ("city Lyon" → "Lyon"),
      else the first word that is not a stop word, not a number, not the tool's or a
      parameter's name and not used already (and fits `minLength`/`maxLength`/`pattern`);
    * otherwise, and for booleans, arrays and the rest, the minimal value.
    """
    if not text:
        return minimal_instance(schema)
    return _Inventor(text, avoid).value(schema, None)


class _Inventor:
    def __init__(self, text: str, avoid: frozenset[str] | set[str]) -> None:
        self.text = text
        self.words: list[str] = _WORD.findall(text)
        self.numbers = [float(n) for n in _NUMBER.findall(text)]
        self.used: set[str] = set()
        self.avoid = {a.lower() for a in avoid}
        for name in list(self.avoid):
            self.avoid.update(name.replace("_", " ").split())

    def value(self, schema: Any, name: str | None) -> Any:
        if not isinstance(schema, dict) or "const" in schema:
            return minimal_instance(schema)
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                options = [
                    o for o in schema[key] if isinstance(o, dict) and o.get("type") != "null"
                ]
                for option in options:
                    found = self._from_text(option, name)
                    if found is not None:
                        return found
                return minimal_instance(schema)
        if schema.get("type") == "object" or ("properties" in schema and "type" not in schema):
            props = schema.get("properties") or {}
            self.avoid.update(str(p).lower() for p in props)
            return {p: self.value(props.get(p, {}), str(p)) for p in schema.get("required", [])}
        found = self._from_text(schema, name)
        return found if found is not None else minimal_instance(schema)

    def _from_text(self, schema: dict[str, Any], name: str | None) -> Any:
        if schema.get("enum"):
            return self._enum(schema["enum"])
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind in ("integer", "number"):
            return self._number(schema, kind)
        if kind == "string":
            return self._word(schema, name)
        return None

    def _enum(self, values: list[Any]) -> Any:
        low = [w.lower() for w in self.words]
        for value in values:
            if not isinstance(value, str) or not value:
                continue
            v = value.lower()
            forms = {v, v[:-1] if v.endswith("s") else v + "s"}
            if " " in v:
                if v in self.text.lower():
                    return value
            elif forms & set(low):
                self.used.update(forms)
                return value
        return None

    def _number(self, schema: dict[str, Any], kind: str) -> int | float | None:
        for i, n in enumerate(self.numbers):
            if kind == "integer" and n != int(n):
                continue
            if "minimum" in schema and n < schema["minimum"]:
                continue
            if "maximum" in schema and n > schema["maximum"]:
                continue
            if "exclusiveMinimum" in schema and n <= schema["exclusiveMinimum"]:
                continue
            if "exclusiveMaximum" in schema and n >= schema["exclusiveMaximum"]:
                continue
            del self.numbers[i]
            return int(n) if kind == "integer" else n
        return None

    def _fits(self, word: str, schema: dict[str, Any]) -> bool:
        if len(word) < int(schema.get("minLength", 1)):
            return False
        if "maxLength" in schema and len(word) > int(schema["maxLength"]):
            return False
        pattern = schema.get("pattern")
        return not (isinstance(pattern, str) and re.search(pattern, word) is None)

    def _word(self, schema: dict[str, Any], name: str | None) -> str | None:
        low = [w.lower() for w in self.words]
        if name:
            key = name.lower()
            for i, w in enumerate(low[:-1]):
                nxt = self.words[i + 1]
                if w == key and nxt.lower() not in STOP_WORDS and self._fits(nxt, schema):
                    self.used.add(nxt.lower())
                    return nxt
        for word, w in zip(self.words, low, strict=True):
            if w in STOP_WORDS or w in self.avoid or w in self.used or len(w) < 2:
                continue
            if self._fits(word, schema):
                self.used.add(w)
                return word
        return None


def minimal_instance(schema: Any) -> Any:
    """A small value that validates against a JSON schema (the subset tools use)."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [s for s in schema[key] if isinstance(s, dict) and s.get("type") != "null"]
            return minimal_instance((options or schema[key])[0])
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            if isinstance(part, dict):
                merged.update(part)
        return minimal_instance(merged)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: minimal_instance(props.get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal_instance(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        value: float = 0
        if "minimum" in schema:
            value = max(value, schema["minimum"]) if "maximum" not in schema else schema["minimum"]
        if "exclusiveMinimum" in schema:
            value = schema["exclusiveMinimum"] + 1
        if "maximum" in schema and value > schema["maximum"]:
            value = schema["maximum"]
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    length = int(schema.get("minLength", 1))
    return "x" * max(length, 1) if "maxLength" not in schema else "x" * length


def arguments_json(args: dict[str, Any]) -> str:
    return json.dumps(args, separators=(",", ":"))
