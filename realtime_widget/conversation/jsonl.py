"""The public JSON Lines format: one event per line.

    {"time": "2026-11-21T23:48:24.123456+00:00", "direction": "server", "event": {...}}
    {"time": "...", "direction": "server", "raw": "<a data-channel message that was not JSON>"}

A log of another voice API than the Realtime API says which on every line, `"api": "live"`
(GPT-Live), so that it loads with that API's reducer; a line without it is the Realtime API
(every log written before there were two APIs).

Secrets (`sk-…` API keys, `ek_…` client secrets) are redacted from every line written.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from realtime_widget.conversation.log import Direction, EventRecord

logger = logging.getLogger("realtime_widget.conversation")

_SECRET: Final = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{16,}|ek_[A-Za-z0-9_\-]{16,})")
REDACTED: Final = "[redacted]"


class TruncatedLogWarning(UserWarning):
    """The last line of a JSONL log was cut short (e.g. a crash mid-write); it was skipped."""


def redact(line: str) -> str:
    if "sk-" in line or "ek_" in line:
        return _SECRET.sub(REDACTED, line)
    return line


def iso_time(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="microseconds")


def parse_time(value: Any, where: str) -> float:
    """ISO 8601 (naive means UTC) or epoch seconds → epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            return dt.timestamp()
    raise ValueError(
        f"{where}: 'time' must be an ISO 8601 timestamp with timezone "
        f"(e.g. '2026-01-01T12:00:00.000000+00:00'), got {value!r}"
    )


#: The API of a line without an "api" key, and the APIs a log may name.
DEFAULT_API: Final = "realtime"
APIS: Final = ("realtime", "live")


def record_to_line(record: EventRecord, via: str = "", api: str = DEFAULT_API) -> str:
    t, direction, payload = record
    obj: dict[str, Any] = {"time": iso_time(t), "direction": direction}
    if api != DEFAULT_API:
        obj["api"] = api
    if via:
        obj["via"] = via
    if isinstance(payload, str):
        obj["raw"] = payload
    else:
        obj["event"] = payload
    return redact(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


def _parse_via(obj: Any, where: str) -> str:
    via = obj.get("via", "") if isinstance(obj, dict) else ""
    if not isinstance(via, str):
        raise ValueError(f"{where}: 'via' must be a string, got {type(via).__name__}")
    return via


def _parse_line(obj: Any, where: str) -> EventRecord:
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: expected a JSON object per line, got {type(obj).__name__}")
    direction = obj.get("direction", "server")
    if direction not in ("server", "client"):
        raise ValueError(f"{where}: 'direction' must be 'server' or 'client', got {direction!r}")
    d: Direction = "server" if direction == "server" else "client"
    t = parse_time(obj.get("time"), where)
    if "event" in obj:
        event = obj["event"]
        if not isinstance(event, dict):
            raise ValueError(f"{where}: 'event' must be a JSON object")
        return (t, d, event)
    if isinstance(obj.get("raw"), str):
        return (t, d, obj["raw"])
    raise ValueError(f"{where}: each line needs an 'event' object or a 'raw' string")


def read_api(path: str | os.PathLike[str]) -> str:
    """The voice API a log was written by: its first record's "api" ("realtime" without one).

    ValueError for a name this package does not know, or for a log that names two APIs.
    """
    p = Path(path)
    found: set[str] = set()
    with p.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            api = DEFAULT_API
            if '"api"' in line:  # cheap pre-check: most lines of a Realtime log have none
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue  # read_records reports it
                if isinstance(obj, dict):
                    api = obj.get("api", DEFAULT_API)
            if api not in APIS:
                raise ValueError(
                    f"{p}:{n}: 'api' must be one of {', '.join(map(repr, APIS))}, got {api!r}"
                )
            found.add(api)
    if len(found) > 1:
        raise ValueError(
            f"{p} mixes events of {' and '.join(sorted(found))}; a log holds one voice API"
        )
    return found.pop() if found else DEFAULT_API


def read_records(path: str | os.PathLike[str]) -> list[EventRecord]:
    """All records of a JSONL log; a cut-off last line is skipped with a warning."""
    return [record for record, _ in read_records_with_via(path)]


def read_records_with_via(path: str | os.PathLike[str]) -> list[tuple[EventRecord, str]]:
    """(record, the path that brought it or "") for every record of a JSONL log."""
    p = Path(path)
    lines = p.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    out: list[tuple[EventRecord, str]] = []
    last = len(lines) - 1
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        where = f"{p}:{n + 1}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            if n == last:
                warnings.warn(
                    f"{where}: last line is incomplete ({exc.msg}); it was skipped and the "
                    f"{len(out)} records before it were loaded.",
                    TruncatedLogWarning,
                    stacklevel=3,
                )
                break
            raise ValueError(
                f"{where}: not valid JSON ({exc.msg}); fix or remove that line"
            ) from None
        out.append((_parse_line(obj, where), _parse_via(obj, where)))
    return out


def write_records(
    path: str | os.PathLike[str],
    records: Iterable[EventRecord],
    vias: Mapping[int, str] | None = None,
    api: str = DEFAULT_API,
) -> None:
    """Write a whole log atomically (temp file + rename), so a crash never leaves half a file."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=p.name + ".", suffix=".tmp", dir=p.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            via = vias or {}
            for i, rec in enumerate(records):
                f.write(record_to_line(rec, via.get(i, ""), api))
                f.write("\n")
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class JsonlAppender:
    """Appends each ingested batch to a file and flushes it (a crash loses one batch at most)."""

    def __init__(self, path: str | os.PathLike[str], api: str = DEFAULT_API) -> None:
        self.path = Path(path)
        self.api = api
        self._file: IO[str] | None = self.path.open("a", encoding="utf-8", newline="\n")

    def write(self, records: Iterable[EventRecord], via: str = "") -> None:
        f = self._file
        if f is None:
            raise ValueError(f"log file {self.path} is closed")
        f.write("".join(record_to_line(r, via, self.api) + "\n" for r in records))
        f.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
