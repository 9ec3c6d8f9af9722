"""The kernel's answer to the browser's `rpc` `sdp_offer` ("kernel" signaling).

The browser hands over its SDP offer; the kernel posts it with the standard key and the
session the call starts with (`call_signaling.post_offer`) and replies exactly once with
the same `id`: `{sdp, call_id}`, or an error (with the status and redacted body of an HTTP
error answer, which the browser words as for its own POST). No client secret is minted.
An `rpc-cancel` from the browser (its attempt was released: Disconnect, a newer Connect)
cancels the request in flight, as releasing an attempt aborts the browser's own POST.
Neither the key nor the SDP is ever logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Protocol

from .call_signaling import CallAnswer, post_offer
from .kernel_async import LoopClient, run_soon
from .minting import RealtimeAPIError, redact
from .rpc_methods import error_reply, ok_reply

log = logging.getLogger("realtime_widget")

JSON = dict[str, Any]

#: An SDP offer is a few kB; anything this large is not one.
MAX_OFFER_CHARS: Final = 200_000


def offer_sdp(params: Any) -> str:
    """The offer in an `sdp_offer` request's params. Raises `RealtimeAPIError`."""
    sdp = params.get("sdp") if isinstance(params, Mapping) else None
    if not isinstance(sdp, str) or not sdp.strip():
        raise RealtimeAPIError(
            "the sdp_offer request has no SDP offer (params.sdp must be the offer's text); "
            "the Python and browser sides of the widget may be out of date with each other",
            code="bad_request",
        )
    if len(sdp) > MAX_OFFER_CHARS:
        raise RealtimeAPIError(
            f"the SDP offer is {len(sdp)} characters, more than an offer can be "
            f"({MAX_OFFER_CHARS})",
            code="bad_request",
        )
    return sdp


class PostOffer(Protocol):
    """`call_signaling.post_offer` (Realtime) or `live_signaling.post_live_offer` (GPT-Live)."""

    def __call__(
        self,
        client: Any,
        api_key: str,
        base_url: str,
        sdp: str,
        session: Mapping[str, Any],
        *,
        timeout_s: float,
    ) -> Awaitable[CallAnswer]: ...


class OfferRelay:
    """Posts the browser's SDP offers on request and replies through `reply`."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        reply: Callable[[JSON], None],
        post: PostOffer = post_offer,
    ) -> None:
        self._post = post
        self._api_key = api_key  # private: never a trait, never in a message or log line
        # Private too: the key goes only where the widget was created to send it, never to
        # a URL the page could change (the base_url trait is the page's to read).
        self._base_url = base_url
        self._reply = reply
        self._clients = LoopClient()
        self._tasks: set[asyncio.Task[None]] = set()
        self._by_id: dict[int, asyncio.Task[None]] = {}
        #: The id of every call this relay started, oldest first.
        self.call_ids: list[str] = []

    def handle(
        self,
        rid: int,
        params: Any,
        new_call: Callable[[], tuple[JSON, JSON]],
        started: Callable[[JSON], None],
        timeout_s: float,
    ) -> None:
        """Answer the `sdp_offer` request `rid` (checked by `rpc_methods`): `new_call()`
        gives (session payload, snapshot) and `started(snapshot)` is told when the server
        answered, so the call is known to start with that snapshot."""
        try:
            sdp = offer_sdp(params)
        except RealtimeAPIError as exc:
            log.warning("refused an sdp_offer request: %s", exc.message)
            self._reply(error_reply(rid, exc))
            return
        session, snapshot = new_call()
        task = run_soon(
            self._post_and_reply(rid, sdp, session, snapshot, started, timeout_s),
            self._tasks,
            "realtime-widget-offer",
        )
        if task is not None:
            self._by_id[rid] = task
            task.add_done_callback(lambda _t: self._by_id.pop(rid, None))

    def cancel(self, rid: int) -> None:
        """The browser gave up request `rid`: stop its POST (nothing is replied)."""
        task = self._by_id.pop(rid, None)
        if task is not None and not task.done():
            log.info("the browser cancelled its call request (rpc %d)", rid)
            task.cancel()

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._clients.close()

    async def _post_and_reply(
        self,
        rid: int,
        sdp: str,
        session: JSON,
        snapshot: JSON,
        started: Callable[[JSON], None],
        timeout_s: float,
    ) -> None:
        client = self._clients.get()
        try:
            if client is None:
                raise RealtimeAPIError(
                    "this widget was closed; create a new RealtimeWidget to connect again",
                    code="closed",
                )
            answer = await self._post(
                client, self._api_key, self._base_url, sdp, session, timeout_s=timeout_s
            )
        except RealtimeAPIError as exc:
            log.warning("the kernel's call request failed: %s", exc.message)
            self._reply(error_reply(rid, exc))
            return
        except Exception as exc:  # a bug here must still answer the browser
            err = RealtimeAPIError(
                f"internal error while posting the SDP offer: {type(exc).__name__}: "
                f"{redact(str(exc), self._api_key)}",
                code="internal_error",
            )
            log.error("%s", err.message)
            self._reply(error_reply(rid, err))
            return
        if answer.call_id is not None:
            self.call_ids.append(answer.call_id)
        started(snapshot)
        log.info("kernel signaling: the server answered the offer (call %s)", answer.call_id)
        self._reply(ok_reply(rid, answer.to_json()))
