from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from realtime_widget import Conversation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_NAMES = sorted(p.name.removesuffix(".jsonl") for p in FIXTURES.glob("*.jsonl"))


def load_fixture(name: str) -> Conversation:
    return Conversation.load(FIXTURES / f"{name}.jsonl")


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    return data


def fixture_lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / f"{name}.jsonl").read_text().splitlines()]


@pytest.fixture(params=FIXTURE_NAMES)
def fixture_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name
