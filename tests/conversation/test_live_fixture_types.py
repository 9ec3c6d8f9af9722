"""Every shared GPT-Live fixture passes the strict validator (server events against
`openai.types.live.ServerEvent`, client events against
`ClientEvent`, nested Responses events against `ResponseStreamEvent`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.live_types import check_live_client_event, check_live_event, check_live_server_event

LIVE_FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "live").glob("*.jsonl"))


def test_there_are_live_fixtures() -> None:
    names = {p.stem for p in LIVE_FIXTURES}
    assert {
        "live_spoken_turn",
        "live_commentary_turn",
        "live_delegation",
        "live_responses_delegation",
        "live_instructions_append",
        "live_barge_in",
    } <= names


@pytest.mark.parametrize("path", LIVE_FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_event_matches_its_sdk_type(path: Path) -> None:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        record = json.loads(line)
        assert record["api"] == "live", f"{path.name}:{n} lacks the api marker"
        try:
            check_live_event(record["direction"], record["event"])
        except AssertionError as exc:
            raise AssertionError(f"{path.name}:{n}: {exc}") from None


def test_realtime_names_are_not_live_events() -> None:
    with pytest.raises(AssertionError, match="does not match"):
        check_live_server_event({"type": "session.created", "event_id": "e", "session": {}})
    with pytest.raises(AssertionError, match="does not match"):
        check_live_client_event({"type": "response.cancel"})
