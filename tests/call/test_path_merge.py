"""`PathMerge`: two in-order copies of one call's server events become one stream, each
event once, in the server's order (pure; random interleavings checked exhaustively)."""

from __future__ import annotations

import random

from realtime_widget.call.path_merge import PathMerge, Record, records_of


def ev(n: int) -> Record:
    return (float(n), "server", {"type": "x", "event_id": f"event_{n}"})


def ids(records: list[Record]) -> list[str]:
    return [r[2]["event_id"] for r in records]


def test_the_primary_alone_passes_through_and_drops_nothing() -> None:
    merge = PathMerge()
    taken = merge.from_primary([ev(1), ev(2), (3.0, "server", "not json")], now=0.0)
    assert [t.via for t in taken] == ["browser"] * 3
    assert records_of(taken)[2] == (3.0, "server", "not json")


def test_a_sideband_ahead_is_held_then_taken_in_order_when_the_primary_catches_up() -> None:
    merge = PathMerge(hold_s=1.0)
    assert merge.from_sideband([ev(1), ev(2), ev(3)], now=0.0) == []
    assert merge.held == 3
    taken = merge.from_primary([ev(1), ev(2)], now=0.1)
    assert ids(records_of(taken)) == ["event_1", "event_2"]
    assert [t.via for t in taken] == ["sideband", "sideband"]
    assert merge.held == 1 and merge.duplicates["browser"] == 2
    assert merge.from_primary([ev(3), ev(4)], now=0.2) and merge.held == 0


def test_a_stalled_primary_lets_the_sideband_through_after_the_hold() -> None:
    merge = PathMerge(hold_s=0.5)
    merge.from_primary([ev(0)], now=9.0)
    merge.from_sideband([ev(1)], now=10.0)
    merge.from_sideband([ev(2)], now=10.3)
    assert merge.next_expiry() == 10.5
    assert merge.expire(now=10.4) == []
    assert ids(records_of(merge.expire(now=10.6))) == ["event_1"]
    assert ids(records_of(merge.expire(now=10.9))) == ["event_2"]
    # The primary comes back with what the sideband already gave: nothing twice.
    assert ids(records_of(merge.from_primary([ev(1), ev(2), ev(3)], now=11.0))) == ["event_3"]


def test_a_late_sideband_copy_is_dropped() -> None:
    merge = PathMerge()
    merge.from_primary([ev(1), ev(2)], now=0.0)
    assert merge.from_sideband([ev(1), ev(2)], now=0.0) == []
    assert merge.held == 0 and merge.duplicates["sideband"] == 2
    assert merge.flush() == []


def test_flush_takes_everything_held() -> None:
    merge = PathMerge(hold_s=60)
    merge.from_sideband([ev(1), ev(2)], now=0.0)
    assert ids(records_of(merge.flush())) == ["event_1", "event_2"]
    assert merge.next_expiry() is None


def test_any_interleaving_of_two_in_order_copies_gives_the_servers_order() -> None:
    rng = random.Random(7)
    for trial in range(2000):
        n = rng.randint(1, 25)
        attach = rng.randint(0, n)  # the sideband sees events from `attach` on
        primary = [ev(i) for i in range(n)]
        side = [ev(i) for i in range(attach, n)]
        merge = PathMerge(hold_s=rng.choice([0.0, 0.05, 10.0]))
        out: list[Record] = []
        now = 0.0
        while primary or side:
            now += rng.random() * 0.03
            if side and (not primary or rng.random() < 0.5):
                k = rng.randint(1, len(side))
                out += records_of(merge.from_sideband(side[:k], now))
                side = side[k:]
            else:
                k = rng.randint(1, len(primary))
                out += records_of(merge.from_primary(primary[:k], now))
                primary = primary[k:]
            out += records_of(merge.expire(now))
        out += records_of(merge.flush())
        got = ids(out)
        assert sorted(got) == sorted(f"event_{i}" for i in range(n)), (trial, got)
        # Events both paths carry are always in order; all of them are when the primary
        # never went quiet for hold_s (a whole trial lasts far less than 10 s).
        both = [g for g in got if int(g.split("_")[1]) >= attach]
        assert both == [f"event_{i}" for i in range(attach, n)], (trial, got)
        if merge.hold_s >= 10.0:
            assert got == [f"event_{i}" for i in range(n)], (trial, attach, got)


def test_a_slow_primary_that_keeps_delivering_is_waited_for() -> None:
    """The sideband attached after event 0: it must not overtake the primary's event 0
    however long that takes, while the primary keeps delivering."""
    merge = PathMerge(hold_s=0.5)
    merge.from_primary([ev(-1)], now=0.0)
    merge.from_sideband([ev(1), ev(2)], now=0.1)
    for t in (0.4, 0.8, 1.2):  # batches of the browser's own client events: alive
        merge.from_primary([(t, "client", {"type": "x"})], now=t)
        assert merge.expire(now=t + 0.1) == []
    taken = merge.from_primary([ev(0), ev(1)], now=1.5)
    assert ids(records_of(taken)) == ["event_0", "event_1"]
    assert merge.expire(now=1.9) == [] and merge.next_expiry() == 2.0
    assert ids(records_of(merge.expire(now=2.0))) == ["event_2"]
