"""The browser's `rpc` requests: which method the kernel answers in which signaling mode,
and the shape of its replies (pure).

Each signaling mode has exactly one method: "browser" signaling asks for a client secret
(`secret_rpc`), "kernel" signaling hands over the SDP offer (`offer_relay`). A request for
the other mode's method is refused, so a widget with signaling="kernel" never mints a
client secret, whatever its page asks.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from .minting import RealtimeAPIError

Signaling = Literal["browser", "kernel"]

#: rpc method → the signaling mode in which the kernel answers it.
RPC_METHODS: Final[dict[str, Signaling]] = {"client_secret": "browser", "sdp_offer": "kernel"}


def rpc_id(msg: Any) -> int | None:
    """The int id of an `rpc` or `rpc-cancel` message, None when it has none."""
    rid = msg.get("id") if isinstance(msg, dict) else None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def refusal(method: object, signaling: Signaling) -> RealtimeAPIError | None:
    """Why the kernel does not answer `method` in this mode (None: it does)."""
    mode = RPC_METHODS.get(method) if isinstance(method, str) else None
    if mode is None:
        known = " and ".join(f"{m!r} (signaling={s!r})" for m, s in RPC_METHODS.items())
        return RealtimeAPIError(
            f"unknown rpc method {method!r}; the kernel answers {known}", code="unknown_method"
        )
    if mode != signaling:
        return RealtimeAPIError(
            f"this widget uses signaling={signaling!r}, so the kernel does not answer "
            f"{method!r} (a request of signaling={mode!r}). The page and the kernel disagree: "
            "re-run the cell that creates the widget.",
            code="wrong_signaling",
        )
    return None


def ok_reply(rid: int, result: dict[str, Any]) -> dict[str, Any]:
    return {"type": "rpc-reply", "id": rid, "ok": True, "result": result}


def error_reply(rid: int, err: RealtimeAPIError) -> dict[str, Any]:
    return {"type": "rpc-reply", "id": rid, "ok": False, "error": err.to_json()}
