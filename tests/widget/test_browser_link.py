"""`browser_link.BrowserLink`: held until ready, batches taken once and in order (copies and
batches after a gap are acknowledged up to what the kernel has, never ingested twice)."""

from __future__ import annotations

from typing import Any

from realtime_widget.browser_link import BrowserLink, parse_record


def _record(event_id: str) -> dict[str, Any]:
    return {"t": 1_700_000_000_000, "dir": "server", "event": {"type": "x", "event_id": event_id}}


def _batch(seq: int, *ids: str, fe: str = "fe1", base: int = 0) -> dict[str, Any]:
    return {
        "type": "events",
        "fe": fe,
        "seq": seq,
        "base": base,
        "events": [_record(i) for i in ids],
    }


def test_messages_wait_for_the_front_end_then_go_in_order() -> None:
    sent: list[dict[str, Any]] = []
    link = BrowserLink(sent.append)
    link.open()
    link.send({"type": "response.create", "event_id": "e1"})
    assert sent == [] and not link.ready
    assert link.on_ready() is False
    assert [m["type"] for m in sent] == ["command", "client-event"]
    assert link.on_ready() is True  # a second front end (reload)
    link.interrupt()
    assert sent[-1] == {"type": "command", "name": "interrupt"}


def test_copies_and_gaps_are_acknowledged_but_never_ingested_twice() -> None:
    sent: list[dict[str, Any]] = []
    link = BrowserLink(sent.append)
    link.on_ready()
    first = link.take_batch(_batch(0, "a", "b"))
    assert first is not None
    records, ack = first
    assert [r[2]["event_id"] for r in records] == ["a", "b"]  # type: ignore[index]
    assert ack == ("fe1", 0) and sent == []  # acked only once the caller has ingested
    assert link.take_batch(_batch(0, "a", "b")) is None  # a resent copy
    assert sent[-1] == {"type": "ack", "fe": "fe1", "seq": 0}
    assert link.take_batch(_batch(2, "e")) is None  # after a gap: wait for 1
    assert sent[-1] == {"type": "ack", "fe": "fe1", "seq": 0}
    second = link.take_batch(_batch(1, "c", "d"))
    assert second is not None and second[1] == ("fe1", 1)
    third = link.take_batch(_batch(2, "e"))
    assert third is not None and [r[2]["event_id"] for r in third[0]] == ["e"]  # type: ignore[index]
    # A new page numbers from 0 under a new front-end id.
    again = link.take_batch(_batch(0, "z", fe="fe2"))
    assert again is not None and again[1] == ("fe2", 0)
    assert link.lost_batches == 0


def test_batches_the_browser_gave_up_are_counted() -> None:
    link = BrowserLink(lambda msg: None)
    link.take_batch(_batch(0, "a"))
    taken = link.take_batch(_batch(5, "f", base=5))
    assert taken is not None and link.lost_batches == 4


def test_malformed_records_are_skipped_and_numbering_without_fe_still_counts_gaps() -> None:
    link = BrowserLink(lambda msg: None)
    taken = link.take_batch(
        {"type": "events", "seq": 0, "events": [_record("a"), {"t": "x"}, 3, {"t": 1, "dir": "up"}]}
    )
    assert taken is not None and len(taken[0]) == 1 and taken[1] is None
    link.take_batch({"type": "events", "seq": 3, "events": []})
    assert link.lost_batches == 2


def test_parse_record() -> None:
    assert parse_record({"t": 1500, "dir": "client", "raw": "not json"}) == (
        1.5,
        "client",
        "not json",
    )
    assert parse_record({"t": float("nan"), "dir": "server", "event": {}}) is None
    assert parse_record({"t": True, "dir": "server", "event": {}}) is None
    assert parse_record({"t": 1, "dir": "server"}) is None
