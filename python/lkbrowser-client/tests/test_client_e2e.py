"""The Python client against a real runtime (runtime CLI, real engine, real LiveKit server) started by
client/test/python-client.test.ts, which passes the room through LKB_E2E_* variables: fill and submit a form,
screenshot, a human pre-empting the agent, resume."""

import asyncio
import os
import struct

import pytest
from livekit import api, rtc

from lkbrowser_client import ActionError, BrowserError, connect

ENV = ("LKB_E2E_LIVEKIT_URL", "LKB_E2E_API_KEY", "LKB_E2E_API_SECRET", "LKB_E2E_ROOM")


def env(name: str) -> str:
    v = os.environ.get(name)
    if not v:
        pytest.fail(f"{name} is not set: run this test through `npm test -- python-client` (it starts the runtime)")
    return v


async def join(identity: str) -> rtc.Room:
    token = (
        api.AccessToken(env("LKB_E2E_API_KEY"), env("LKB_E2E_API_SECRET"))
        .with_identity(identity)
        .with_grants(api.VideoGrants(room_join=True, room=env("LKB_E2E_ROOM"), can_publish=True, can_subscribe=True, can_publish_data=True))
        .to_jwt()
    )
    room = rtc.Room()
    await room.connect(env("LKB_E2E_LIVEKIT_URL"), token, rtc.RoomOptions(auto_subscribe=False))
    return room


async def connect_when_ready(room: rtc.Room, timeout: float = 90.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    # RPCs to a participant that has not joined yet can hang in the SDK: wait for it to be in the room first.
    while "browser" not in room.remote_participants:
        if loop.time() > end:
            raise AssertionError("the runtime did not join the room")
        await asyncio.sleep(0.2)
    while True:
        try:
            return await connect(room, "browser", timeout=5.0)
        except BrowserError:
            if loop.time() > end:
                raise
            await asyncio.sleep(0.5)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


async def wait_until(what: str, cond, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_agent_fills_the_form_is_preempted_and_resumes():
    agent_room = await join("agent-py")
    human_room = await join("alice-py")
    try:
        agent = await connect_when_ready(agent_room)
        human = await connect(human_room, "browser")
        assert agent.viewport == {"width": 800, "height": 600}

        with pytest.raises(BrowserError) as e:
            await agent.click(10, 10)
        assert e.value.kind == "not_focused" and e.value.code == 2001

        assert (await agent.request_focus())["granted"]
        await agent.run([{"type": "wait_for_load"}])
        r = await agent.run(
            [
                {"type": "left_click", "x": 250, "y": 125},
                {"type": "type", "text": "Ada"},
                {"type": "key", "keys": "Tab"},
                {"type": "type", "text": "Lyon"},
                {"type": "key", "keys": "Return"},
                {"type": "wait_for_settle", "quietMs": 200, "timeoutMs": 8000},
            ],
            wait_frame=True,
        )
        assert all(x["ok"] for x in r["results"])
        assert r["url"].endswith("/result?name=Ada&city=Lyon")

        shot = await agent.screenshot()
        assert png_size(shot.png) == (800, 600)
        assert shot.title == "Result" and shot.viewport == {"width": 800, "height": 600}
        small = await agent.screenshot(region={"x": 0, "y": 0, "width": 400, "height": 300}, scale=0.5)
        assert png_size(small.png) == (200, 150)
        with pytest.raises(BrowserError) as e:
            await human.screenshot()
        assert e.value.kind == "forbidden"

        bad = await agent.actions([{"type": "navigate", "url": "file:///etc/passwd"}, {"type": "key", "keys": "Tab"}])
        assert [x.get("code") for x in bad["results"]] == [2002, 2008]
        with pytest.raises(ActionError) as ae:
            await agent.run([{"type": "navigate", "url": "file:///etc/passwd"}])
        assert ae.value.kind == "url_blocked" and ae.value.index == 0

        lost: list[dict] = []
        agent.on("focus-lost", lost.append)
        statuses: list[str] = []
        human.on("agent-status", lambda s: statuses.append(s["status"]) if s["identity"] == "agent-py" else None)
        await agent.set_agent_status("acting")
        assert (await human.request_focus())["granted"]
        await wait_until("focus-lost notice", lambda: bool(lost))
        assert lost[0] == {"by": "alice-py", "reason": "human-takeover"}
        assert not (await agent.request_focus())["granted"]
        await agent.set_agent_status("paused")
        resume = asyncio.ensure_future(agent.acquire_focus(30))
        await human.release_focus()
        await asyncio.wait_for(resume, 30)
        assert agent.has_focus
        done = await agent.run([{"type": "left_click", "x": 250, "y": 330}, {"type": "wait_for_settle", "quietMs": 200, "timeoutMs": 8000}])
        assert done["url"].endswith("/done?code=21")
        await wait_until("agent-status seen", lambda: statuses[:2] == ["acting", "paused"])
        agent.close()
        human.close()
    finally:
        await agent_room.disconnect()
        await human_room.disconnect()


async def test_connect_refuses_a_participant_without_the_runtime_role():
    impostor = await join("impostor-py")
    agent_room = await join("agent-py-2")
    try:
        await wait_until("the impostor is seen", lambda: "impostor-py" in agent_room.remote_participants)
        with pytest.raises(BrowserError) as e:
            await connect(agent_room, "impostor-py", timeout=5.0)
        assert e.value.kind == "not_browser"
        # The runtime's own token carries the role: it is accepted.
        assert (await connect_when_ready(agent_room)).viewport["width"] > 0
    finally:
        await agent_room.disconnect()
        await impostor.disconnect()
