"""The example agent in Python (same flow as ../src/form-agent.ts): takes focus, runs a planner's Anthropic-style
computer tool calls through lkbrowser_client, answers with screenshots, pauses on hand-off, reads the result.

    LIVEKIT_URL=... LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... LIVEKIT_ROOM=demo python form_agent.py

Scripted planner by default (the example site); a real LLM can be plugged in as a Planner with the same
``next(observation)`` method (e.g. Anthropic's Messages API with ``anthropic_computer_tool(scaler)``).
"""

from __future__ import annotations

import asyncio
import os
import struct
import zlib
from typing import Any

from livekit import api, rtc

from lkbrowser_client import BrowserClient, BrowserError, Scaler, ToolInputError, connect, from_anthropic


def png_pixel(png: bytes, x: int, y: int) -> tuple[int, ...]:
    """One pixel of an 8-bit, non-interlaced RGB/RGBA PNG (what the runtime sends), standard library only."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    channels = 3
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            w, _h, depth, color, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, row = zlib.decompress(idat), w * channels, bytearray(w * channels), bytearray()
    for r in range(y + 1):
        f, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1 : (r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev, row = line, line
    return tuple(row[x * channels : (x + 1) * channels])


class ScriptedPlanner:
    """Stands in for the LLM: model coordinates for a 640x480 view of the 800x600 example site."""

    def __init__(self, name: str, city: str) -> None:
        self.steps: list[dict[str, Any]] = [
            {"action": "screenshot"},
            {"action": "left_click", "coordinate": [200, 100]},
            {"action": "type", "text": name},
            {"action": "key", "text": "Tab"},
            {"action": "type", "text": city},
            {"action": "key", "text": "Return"},
            {"action": "wait", "duration": 1},
            {"action": "left_click", "coordinate": [200, 264]},
            {"action": "wait", "duration": 1},
            {"action": "screenshot"},
        ]

    async def next(self, obs: dict[str, Any]) -> dict[str, Any]:
        if self.steps:
            return {"tool": self.steps.pop(0)}
        # The result, read from the last screenshot: the swatch's red channel (model 440, 280).
        return {"done": f"code {png_pixel(obs['png'], 440, 280)[0]}"}


async def run_agent(b: BrowserClient, planner: Any, model: tuple[int, int], max_steps: int = 50) -> str:
    scaler = Scaler((b.viewport["width"], b.viewport["height"]), model)
    await b.acquire_focus()
    obs: dict[str, Any] = {"url": b.url}
    for _ in range(max_steps):
        await b.set_agent_status("thinking")
        d = await planner.next(obs)
        if "done" in d:
            await b.set_agent_status("idle")
            await b.release_focus()
            return d["done"]
        if not b.has_focus:
            await b.set_agent_status("paused")  # a human took over: wait for focus to come back
            await b.acquire_focus(600)
        await b.set_agent_status("acting")
        try:
            step = from_anthropic(d["tool"], scaler)
            if step.actions:
                await b.run(step.actions, wait_frame=True)
            if step.screenshot:
                shot = await b.screenshot(scale=scaler.scale)
                obs = {"png": shot.png, "url": shot.url, "title": shot.title}
            else:
                obs = {"url": b.url, "text": "done"}
        except (ToolInputError, BrowserError) as e:
            obs = {"url": b.url, "text": f"error: {e}"}
    raise RuntimeError("the planner did not finish within max_steps")


async def main() -> None:
    identity = os.environ.get("AGENT_IDENTITY", "agent-py")
    token = (
        api.AccessToken(os.environ["LIVEKIT_API_KEY"], os.environ["LIVEKIT_API_SECRET"])
        .with_identity(identity)
        .with_grants(api.VideoGrants(room_join=True, room=os.environ["LIVEKIT_ROOM"], can_publish=False, can_subscribe=False, can_publish_data=True))
        .to_jwt()
    )
    room = rtc.Room()
    await room.connect(os.environ["LIVEKIT_URL"], token, rtc.RoomOptions(auto_subscribe=False))
    try:
        b = await connect(room, os.environ.get("BROWSER_IDENTITY", "browser"))
        print(await run_agent(b, ScriptedPlanner("Ada", "Lyon"), (640, 480)))
        b.close()
    finally:
        await room.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
