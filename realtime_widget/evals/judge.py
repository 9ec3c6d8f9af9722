"""`judge(rubric)`: a check graded by a model, over the Responses API.

With a key (`api_key=`, else OPENAI_API_KEY) it sends the turn (what the user said, the
reply, the tool calls) and the rubric to `POST /v1/responses` with a strict JSON-schema
output `{"pass": bool, "reason": str}`. With no key it is skipped (`passed` None) and says
so: never a made-up verdict. A failed request is not a failed turn either: it is
undecided, with the error (no key in it) as the reason. The key is read when the check
runs and kept nowhere: not in the check, its label or the result.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from realtime_widget import api_facts as facts
from realtime_widget.connection_inputs import normalize_api_key, normalize_base_url
from realtime_widget.minting import redact

from .checks import Check, Outcome, TurnRef, _named, _short

if TYPE_CHECKING:
    from .turn import Turn

DEFAULT_JUDGE_MODEL = "gpt-4.1-mini"

JUDGE_INSTRUCTIONS = (
    "You grade one turn of a conversation between a user and a voice assistant against a "
    "rubric. Judge only what the turn shows. Answer with pass true when the assistant's "
    "reply (and its tool calls) satisfies the rubric, false otherwise, and a one-sentence "
    "reason."
)

#: The structured output the judge must give (strict: exactly these two fields).
VERDICT_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "name": "verdict",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {"pass": {"type": "boolean"}, "reason": {"type": "string"}},
        "required": ["pass", "reason"],
        "additionalProperties": False,
    },
}


def turn_text(turn: Turn) -> str:
    """The turn as the judge reads it."""
    lines = [f"User: {turn.user_text}"]
    for call in turn.tool_calls:
        lines.append(f"Assistant called {call.name}({json.dumps(call.arguments)})")
        if call.output is not None:
            lines.append(f"Tool {call.name} returned: {call.output}")
    lines.append(f"Assistant: {turn.reply}")
    if turn.interrupted:
        lines.append(f"(The user interrupted the assistant; they heard: {turn.heard!r})")
    return "\n".join(lines)


def request_body(rubric: str, turn: Turn, model: str) -> dict[str, Any]:
    """The `POST /v1/responses` body for one verdict."""
    return {
        "model": model,
        "instructions": JUDGE_INSTRUCTIONS,
        "input": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "input_text",
                        "text": f"Rubric: {rubric}\n\nThe turn:\n{turn_text(turn)}",
                    }
                ],
            }
        ],
        "text": {"format": VERDICT_FORMAT},
        "store": False,
    }


def read_verdict(body: Any) -> Outcome:
    """The verdict in a Responses API answer (undecided, saying why, when there is none)."""
    if not isinstance(body, dict):
        return Outcome(None, "the judge's answer is not a JSON object")
    for item in body.get("output") or []:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or []:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "refusal":
                return Outcome(None, f"the judge refused: {part.get('refusal', '')}")
            if part.get("type") == "output_text":
                try:
                    verdict = json.loads(part.get("text", ""))
                except ValueError:
                    return Outcome(None, f"the judge did not answer JSON: {part.get('text')!r}")
                if not isinstance(verdict, dict) or not isinstance(verdict.get("pass"), bool):
                    return Outcome(None, f"the judge's verdict has no pass: {verdict!r}")
                return Outcome(verdict["pass"], str(verdict.get("reason", "")))
    return Outcome(None, f"the judge gave no text (status {body.get('status')!r})")


class Judge(Check):
    """A check graded by a model (see the module docstring)."""

    rubric: str
    model: str
    base_url: str | None
    timeout_s: float
    _api_key: str | None

    async def evaluate_async(self, turn: Turn) -> Outcome:
        key = self._api_key or normalize_api_key(os.environ.get("OPENAI_API_KEY") or None)
        if key is None:
            return Outcome(
                None, "skipped: no OpenAI API key (api_key= or OPENAI_API_KEY) for the judge"
            )
        if not turn.reached:
            return Outcome(None, "not judged: the run failed before this turn")
        import httpx

        url = (self.base_url or facts.DEFAULT_BASE_URL) + "/v1/responses"
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                answer = await client.post(
                    url,
                    json=request_body(self.rubric, turn, self.model),
                    headers={"Authorization": f"Bearer {key}"},
                )
        except httpx.HTTPError as exc:
            return Outcome(None, redact(f"the judge's request failed: {exc!r}", key))
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code != 200:
            message = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
            text = f"the judge's request failed: HTTP {answer.status_code} {message}".strip()
            return Outcome(None, redact(text, key))
        return read_verdict(body)

    def evaluate(self, turn: Turn) -> Outcome:
        return Outcome(None, "a judge is evaluated by evals.run (it awaits the model)")


def judge(
    rubric: str,
    *,
    model: str = DEFAULT_JUDGE_MODEL,
    api_key: str | None = None,
    base_url: str | None = None,
    turn: TurnRef = None,
    name: str | None = None,
    timeout_s: float = 30.0,
) -> Judge:
    """A model-graded check: `rubric` says what the reply must do ("names Paris as the
    capital"). Uses `api_key`, else OPENAI_API_KEY; with neither it is skipped."""
    if not isinstance(rubric, str) or not rubric.strip():
        raise ValueError("judge() needs a rubric: what the reply must do, in words")
    if not isinstance(model, str) or not model.strip():
        raise ValueError("judge(model=...) must name a model, such as 'gpt-4.1-mini'")
    if not isinstance(timeout_s, int | float) or not timeout_s > 0:
        raise ValueError(f"judge(timeout_s=...) must be > 0 seconds, got {timeout_s!r}")
    key = normalize_api_key(api_key)
    url = normalize_base_url(base_url)
    spec = {"judge": rubric, "model": model}
    made = Judge(
        _named(name, f"judge({_short(rubric, 60)!r})"), lambda t: Outcome(None, ""), turn, spec
    )
    object.__setattr__(made, "rubric", rubric)
    object.__setattr__(made, "model", model)
    object.__setattr__(made, "base_url", url)
    object.__setattr__(made, "timeout_s", float(timeout_s))
    object.__setattr__(made, "_api_key", key)
    return made
