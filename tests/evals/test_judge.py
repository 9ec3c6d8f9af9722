"""`evals.judge`: the Responses API request it makes (against a local aiohttp server
standing in for OpenAI, never the real one), the verdicts it reads, and skipping
without a key."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from realtime_widget import evals
from realtime_widget.emulator import Emulator
from realtime_widget.evals.judge import VERDICT_FORMAT, read_verdict

from .conftest import KEY, make_turn

JUDGE_KEY = "sk-judge-SECRET-0123456789abcdefWXYZ"


def answer(text: str) -> dict[str, Any]:
    return {
        "object": "response",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text}],
            }
        ],
    }


class FakeResponses:
    """POST /v1/responses: records each request, answers with `reply(body)`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.verdict = {"pass": True, "reason": "It names Paris."}

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"headers": dict(request.headers), "body": body})
        if self.status != 200:
            return web.json_response(
                {"error": {"message": f"Incorrect API key provided: {JUDGE_KEY[:8]}…"}},
                status=self.status,
            )
        return web.json_response(answer(json.dumps(self.verdict)))


@pytest.fixture
async def responses() -> AsyncIterator[tuple[FakeResponses, str]]:
    fake = FakeResponses()
    app = web.Application()
    app.router.add_post("/v1/responses", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_the_request_asks_for_a_strict_json_verdict(
    responses: tuple[FakeResponses, str],
) -> None:
    fake, url = responses
    check = evals.judge("names Paris as the capital", api_key=JUDGE_KEY, base_url=url)
    turn = make_turn(
        user_text="Capital of France?",
        reply="Paris.",
        calls=[("lookup", {"country": "France"}, "Paris")],
    )
    assert await check.evaluate_async(turn) == evals.Outcome(True, "It names Paris.")
    (sent,) = fake.requests
    assert sent["headers"]["Authorization"] == f"Bearer {JUDGE_KEY}"
    body = sent["body"]
    assert body["model"] == "gpt-4.1-mini" and body["store"] is False
    assert body["text"] == {"format": VERDICT_FORMAT}
    assert body["text"]["format"]["strict"] is True
    assert body["text"]["format"]["schema"]["required"] == ["pass", "reason"]
    text = body["input"][0]["content"][0]["text"]
    assert text.startswith("Rubric: names Paris as the capital\n")
    assert "User: Capital of France?" in text and "Assistant: Paris." in text
    assert 'Assistant called lookup({"country": "France"})' in text
    assert "Tool lookup returned: Paris" in text
    assert check.label == "judge('names Paris as the capital')"
    assert JUDGE_KEY not in repr(check) and JUDGE_KEY not in str(check.spec)
    fake.verdict = {"pass": False, "reason": "No city."}
    assert await check.evaluate_async(turn) == evals.Outcome(False, "No city.")


async def test_no_key_skips_and_says_so(
    monkeypatch: pytest.MonkeyPatch, responses: tuple[FakeResponses, str]
) -> None:
    fake, url = responses
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    outcome = await evals.judge("polite", base_url=url).evaluate_async(make_turn())
    assert outcome.passed is None and outcome.reason.startswith("skipped: no OpenAI API key")
    assert fake.requests == []
    monkeypatch.setenv("OPENAI_API_KEY", JUDGE_KEY)
    assert (await evals.judge("polite", base_url=url).evaluate_async(make_turn())).passed is True


async def test_a_failed_request_is_undecided_without_the_key(
    responses: tuple[FakeResponses, str],
) -> None:
    fake, url = responses
    fake.status = 401
    outcome = await evals.judge("polite", api_key=JUDGE_KEY, base_url=url).evaluate_async(
        make_turn()
    )
    assert outcome.passed is None and "HTTP 401 Incorrect API key" in outcome.reason
    assert JUDGE_KEY not in outcome.reason
    nowhere = evals.judge("polite", api_key=JUDGE_KEY, base_url="http://127.0.0.1:1")
    refused = await nowhere.evaluate_async(make_turn())
    assert refused.passed is None and refused.reason.startswith("the judge's request failed")


def test_verdicts_that_are_not_verdicts() -> None:
    assert read_verdict(answer("not json")).passed is None
    assert read_verdict(answer('{"reason": "x"}')).reason.startswith(
        "the judge's verdict has no pass"
    )
    refusal = {"output": [{"type": "message", "content": [{"type": "refusal", "refusal": "No."}]}]}
    assert read_verdict(refusal) == evals.Outcome(None, "the judge refused: No.")
    assert read_verdict({"status": "incomplete", "output": []}).reason == (
        "the judge gave no text (status 'incomplete')"
    )
    with pytest.raises(ValueError, match="needs a rubric"):
        evals.judge(" ")


async def test_a_judge_in_a_run(
    emu: Emulator, responses: tuple[FakeResponses, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url = responses
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    scenario = evals.Scenario(
        "judged",
        turns=["What is the capital of France?"],
        expect=[
            evals.judge("answers the question", api_key=JUDGE_KEY, base_url=url, name="graded"),
            evals.judge("is polite", base_url=url, name="unkeyed"),
            evals.contains("France"),
        ],
    )
    result = await evals.run(
        scenario,
        {"v": {"output_modalities": "text"}},
        api_key=KEY,
        base_url=emu.base_url,
        progress=False,
    )
    row = result.turns.iloc[0]
    assert bool(row["graded"]) and row["graded: reason"] == "It names Paris."
    assert row["unkeyed"] is __import__("pandas").NA
    assert row["unkeyed: reason"].startswith("skipped: no OpenAI API key")
    assert len(fake.requests) == 1 and "You said: What is the capital" in json.dumps(
        fake.requests[0]
    )
    # An undecided check does not fail the run; the decided ones count.
    assert bool(result.runs["passed"].iloc[0]) and int(result.runs["checks"].iloc[0]) == 2
    assert JUDGE_KEY not in (result.root / "result.json").read_text()
