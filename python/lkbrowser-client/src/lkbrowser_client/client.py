"""BrowserClient: one lkbrowser runtime seen from a Python agent on the ``livekit`` SDK (docs/room-protocol.md).

Same API as the TypeScript ``@lkbrowser/client``: connect, focus (with pre-emption notices), the actions API,
screenshots over byte streams, agent-status, typed errors, timeouts. Packets on the runtime's topics are believed
only when they come from the runtime's identity.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from livekit import rtc

from .errors import ActionError, BrowserError, kind_of

RPC = {
    "request_focus": "browser/request-focus",
    "release_focus": "browser/release-focus",
    "status": "browser/status",
    "actions": "browser/actions",
    "screenshot": "browser/screenshot",
}
TOPIC = {
    "focus": "browser-focus",
    "url": "browser-url",
    "cursor": "cursor_changed",
    "screenshot": "browser-screenshot",
    "agent_status": "browser-agent-status",
}
AGENT_STATUSES = ("idle", "thinking", "acting", "paused")
# Every runtime token carries this attribute (protocol/src/browser-pin.ts): a participant of the runtime's identity
# without it is not believed (its packets are ignored, connect() refuses it).
BROWSER_ROLE_ATTRIBUTE = "lkbrowser.dev/role"
BROWSER_ROLE = "browser"


def _is_browser(p: rtc.RemoteParticipant | None, browser_identity: str) -> bool:
    return p is not None and p.identity == browser_identity and p.attributes.get(BROWSER_ROLE_ATTRIBUTE) == BROWSER_ROLE


@dataclass
class Screenshot:
    png: bytes
    width: int
    height: int
    url: str
    title: str
    viewport: dict[str, int]
    device_pixel_ratio: float
    seq: int
    meta: dict[str, Any] = field(default_factory=dict)


def _batch_wait_s(actions: list[dict[str, Any]]) -> float:
    ms = 0
    for a in actions:
        t = a.get("type")
        if t == "wait":
            ms += a.get("ms", 1000)
        elif t == "hold_key":
            ms += a.get("durationMs", 500)
        elif t == "wait_for_load":
            ms += a.get("timeoutMs", 10_000)
        elif t == "wait_for_settle":
            ms += a.get("timeoutMs", 5000)
        elif t in ("navigate", "back", "forward", "reload"):
            ms += 7000
    return ms / 1000


class _Streams:
    """One byte-stream handler per room and topic; screenshot() calls claim streams by id (either order)."""

    def __init__(self, room: rtc.Room) -> None:
        self._waiting: dict[str, asyncio.Future[tuple[str, bytes]]] = {}
        self._arrived: dict[str, tuple[str, bytes]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        room.register_byte_stream_handler(TOPIC["screenshot"], self._on_stream)
        self._room = room

    def _on_stream(self, reader: rtc.ByteStreamReader, sender: str) -> None:
        t = asyncio.get_running_loop().create_task(self._read(reader, sender))
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def _read(self, reader: rtc.ByteStreamReader, sender: str) -> None:
        chunks = [c async for c in reader]
        sid = reader.info.stream_id
        got = (sender, b"".join(chunks))
        fut = self._waiting.pop(sid, None)
        if fut is not None and not fut.done():
            fut.set_result(got)
        else:
            if len(self._arrived) > 32:
                self._arrived.pop(next(iter(self._arrived)))
            self._arrived[sid] = got

    async def claim(self, sid: str, sender: str, timeout: float) -> bytes:
        got = self._arrived.pop(sid, None)
        if got is None:
            fut: asyncio.Future[tuple[str, bytes]] = asyncio.get_running_loop().create_future()
            self._waiting[sid] = fut
            try:
                got = await asyncio.wait_for(fut, timeout)
            except asyncio.TimeoutError as e:
                raise BrowserError("stream_lost", f"screenshot stream {sid} did not arrive within {timeout} s") from e
            finally:
                self._waiting.pop(sid, None)
        if got[0] != sender:
            raise BrowserError("stream_lost", f"screenshot stream {sid} came from {got[0]}, not {sender}")
        return got[1]

    def close(self) -> None:
        self._room.unregister_byte_stream_handler(TOPIC["screenshot"])


class BrowserClient:
    """Use :func:`connect`. Events: ``on(name, fn)`` with focus, focus-lost, focus-gained, url, cursor, agent-status."""

    def __init__(self, room: rtc.Room, browser_identity: str, timeout: float = 10.0) -> None:
        self.room = room
        self.browser_identity = browser_identity
        self.timeout = timeout
        self.focus_holder: str | None = None
        self.url = ""
        self.cursor = "default"
        self.viewport = {"width": 0, "height": 0}
        self._handlers: dict[str, list[Callable[..., None]]] = {}
        self._focus_changed = asyncio.Event()
        self._streams = _Streams(room)
        room.on("data_received", self._on_data)
        self._closed = False

    # ---- events
    def on(self, event: str, fn: Callable[..., None]) -> None:
        self._handlers.setdefault(event, []).append(fn)

    def _emit(self, event: str, *args: Any) -> None:
        for fn in list(self._handlers.get(event, [])):
            fn(*args)

    @property
    def identity(self) -> str:
        return self.room.local_participant.identity

    @property
    def has_focus(self) -> bool:
        return self.focus_holder is not None and self.focus_holder == self.identity

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.room.off("data_received", self._on_data)
        self._streams.close()

    # ---- rpc
    async def _rpc(self, method: str, payload: Any = "", timeout: float | None = None) -> Any:
        if self._closed:
            raise BrowserError("closed", "client is closed")
        t = timeout if timeout is not None else self.timeout
        body = payload if isinstance(payload, str) else json.dumps(payload)
        try:
            res = await asyncio.wait_for(
                self.room.local_participant.perform_rpc(
                    destination_identity=self.browser_identity, method=method, payload=body, response_timeout=t
                ),
                t + 2,
            )
        except rtc.RpcError as e:
            raise BrowserError(kind_of(e.code), f"{method}: {e.message}", e.code) from e
        except asyncio.TimeoutError as e:
            raise BrowserError("timeout", f"{method}: no answer within {t + 2} s") from e
        try:
            return json.loads(res)
        except ValueError as e:
            raise BrowserError("rpc_error", f"{method}: answer is not JSON") from e

    async def status(self) -> dict[str, Any]:
        st = await self._rpc(RPC["status"])
        if not isinstance(st, dict) or not isinstance(st.get("url"), str):
            raise BrowserError("rpc_error", "browser/status: unexpected answer")
        self.viewport = {"width": st["width"], "height": st["height"]}
        return st

    async def request_focus(self) -> dict[str, Any]:
        r = await self._rpc(RPC["request_focus"])
        granted = isinstance(r, dict) and r.get("granted") is True
        if granted:
            self._set_holder(self.identity, None, self.focus_holder)
        return {"granted": granted, "holder": self.identity if granted else (r or {}).get("holder")}

    async def release_focus(self) -> bool:
        r = await self._rpc(RPC["release_focus"])
        return isinstance(r, dict) and r.get("released") is True

    async def acquire_focus(self, timeout: float = 60.0) -> None:
        """Holds focus when it returns: requests it, and again whenever the holder changes, until timeout."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            if (await self.request_focus())["granted"]:
                return
            left = end - loop.time()
            if left <= 0:
                raise BrowserError("timeout", f"focus not acquired within {timeout} s (holder: {self.focus_holder})")
            self._focus_changed.clear()
            try:
                await asyncio.wait_for(self._focus_changed.wait(), min(left, 5.0))
            except asyncio.TimeoutError:
                pass  # ask again: a holder may have gone idle

    async def actions(self, actions: list[dict[str, Any]], wait_frame: bool = False, timeout: float | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"actions": actions}
        if wait_frame:
            body["waitFrame"] = True
        t = timeout if timeout is not None else self.timeout + _batch_wait_s(actions) + (2 if wait_frame else 0)
        r = await self._rpc(RPC["actions"], body, t)
        if not isinstance(r, dict) or not isinstance(r.get("results"), list):
            raise BrowserError("rpc_error", "browser/actions: unexpected answer")
        if isinstance(r.get("url"), str):
            self.url = r["url"]
        return r

    async def run(self, actions: list[dict[str, Any]], wait_frame: bool = False, timeout: float | None = None) -> dict[str, Any]:
        """Like :meth:`actions`, raising ActionError for the first action that failed."""
        r = await self.actions(actions, wait_frame, timeout)
        for i, res in enumerate(r["results"]):
            if not res.get("ok"):
                code = int(res.get("code", 0))
                raise ActionError(kind_of(code), f"actions[{i}] ({actions[i].get('type')}): {res.get('error')}", code, i)
        return r

    async def click(self, x: float, y: float, button: str = "left", count: int = 1) -> dict[str, Any]:
        return await self.run([{"type": "click", "x": x, "y": y, "button": button, "count": count}])

    async def type(self, text: str) -> dict[str, Any]:
        return await self.run([{"type": "type", "text": text}])

    async def key(self, keys: str) -> dict[str, Any]:
        return await self.run([{"type": "key", "keys": keys}])

    async def scroll(self, x: float, y: float, direction: str = "down", amount: int = 3) -> dict[str, Any]:
        return await self.run([{"type": "scroll", "x": x, "y": y, "direction": direction, "amount": amount}])

    async def navigate(self, url: str) -> dict[str, Any]:
        return await self.run([{"type": "navigate", "url": url}, {"type": "wait_for_load"}])

    async def screenshot(self, region: dict[str, int] | None = None, scale: float | None = None, timeout: float | None = None) -> Screenshot:
        t = timeout if timeout is not None else self.timeout
        req: dict[str, Any] = {}
        if region is not None:
            req["region"] = region
        if scale is not None:
            req["scale"] = scale
        meta = await self._rpc(RPC["screenshot"], req, t)
        if not isinstance(meta, dict) or not isinstance(meta.get("streamId"), str):
            raise BrowserError("rpc_error", "browser/screenshot: unexpected answer")
        png = await self._streams.claim(meta["streamId"], self.browser_identity, t)
        if isinstance(meta.get("bytes"), int) and len(png) != meta["bytes"]:
            raise BrowserError("stream_lost", f"screenshot: {len(png)} bytes received, {meta['bytes']} sent")
        return Screenshot(
            png=png,
            width=meta["width"],
            height=meta["height"],
            url=meta["url"],
            title=meta["title"],
            viewport=meta["viewport"],
            device_pixel_ratio=meta["devicePixelRatio"],
            seq=meta["seq"],
            meta=meta,
        )

    async def set_agent_status(self, status: str) -> None:
        if status not in AGENT_STATUSES:
            raise ValueError(f"status must be one of {AGENT_STATUSES}")
        await self.room.local_participant.publish_data(json.dumps({"status": status}), reliable=True, topic=TOPIC["agent_status"])

    # ---- incoming
    def _set_holder(self, holder: str | None, reason: str | None, previous: str | None) -> None:
        if holder == self.focus_holder:
            return
        self.focus_holder = holder
        self._focus_changed.set()
        me = self.identity
        self._emit("focus", {"holder": holder, "previous": previous, "reason": reason})
        if previous == me and holder != me:
            self._emit("focus-lost", {"by": holder, "reason": reason})
        if holder == me:
            self._emit("focus-gained")

    def _on_data(self, pkt: rtc.DataPacket) -> None:
        sender = pkt.participant.identity if pkt.participant else None
        try:
            m = json.loads(pkt.data)
        except ValueError:
            return
        if not isinstance(m, dict):
            return
        if pkt.topic == TOPIC["agent_status"]:
            if sender and m.get("status") in AGENT_STATUSES:
                self._emit("agent-status", {"identity": sender, "status": m["status"]})
            return
        if not _is_browser(pkt.participant, self.browser_identity):
            return
        if pkt.topic == TOPIC["focus"]:
            holder = m.get("identity") if isinstance(m.get("identity"), str) else None
            prev = m["previous"] if "previous" in m else self.focus_holder
            self._set_holder(holder, m.get("reason"), prev)
        elif pkt.topic == TOPIC["url"] and isinstance(m.get("url"), str):
            if m["url"] != self.url:
                self.url = m["url"]
                self._emit("url", m["url"])
        elif pkt.topic == TOPIC["cursor"] and isinstance(m.get("cursor"), str):
            self.cursor = m["cursor"]
            self._emit("cursor", m["cursor"])


async def connect(room: rtc.Room, browser_identity: str = "browser", timeout: float = 10.0) -> BrowserClient:
    """Follows the runtime ``browser_identity`` in a connected room; reads its status first.

    Raises ``BrowserError("not_browser")`` when that participant's token lacks ``lkbrowser.dev/role=browser``.
    """
    p = room.remote_participants.get(browser_identity)
    if p is not None and not _is_browser(p, browser_identity):
        raise BrowserError("not_browser", f"{browser_identity} is not an lkbrowser runtime (no {BROWSER_ROLE_ATTRIBUTE})")
    c = BrowserClient(room, browser_identity, timeout)
    try:
        st = await c.status()
        c.url = st["url"]
        c._set_holder(st.get("focusHolder"), None, None)
    except BaseException:
        c.close()
        raise
    return c
