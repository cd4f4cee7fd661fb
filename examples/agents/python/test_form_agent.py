"""The Python example agent end to end (run by client/test/python-client.test.ts with a fresh runtime)."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from form_agent import ScriptedPlanner, run_agent  # noqa: E402
from livekit import api, rtc  # noqa: E402

from lkbrowser_client import BrowserError, connect  # noqa: E402


async def test_example_agent_completes_the_form_task():
    token = (
        api.AccessToken(os.environ["LKB_E2E_API_KEY"], os.environ["LKB_E2E_API_SECRET"])
        .with_identity("agent-example-py")
        .with_grants(api.VideoGrants(room_join=True, room=os.environ["LKB_E2E_ROOM"], can_publish_data=True))
        .to_jwt()
    )
    room = rtc.Room()
    await room.connect(os.environ["LKB_E2E_LIVEKIT_URL"], token, rtc.RoomOptions(auto_subscribe=False))
    try:
        b = None
        # RPCs to a participant that has not joined yet can hang in the SDK: wait for it to be in the room first.
        for _ in range(450):
            if "browser" in room.remote_participants:
                break
            await asyncio.sleep(0.2)
        for _ in range(180):
            try:
                b = await connect(room, "browser", timeout=5.0)
                break
            except BrowserError:  # the runtime may not be in the room yet: retry
                await asyncio.sleep(0.5)
        assert b is not None, "the runtime did not join"
        await b.acquire_focus(30)
        await b.run([{"type": "wait_for_load"}])
        result = await asyncio.wait_for(run_agent(b, ScriptedPlanner("Grace", "Oslo"), (640, 480)), 180)
        assert result == "code 35"  # 7 x len("Grace"), read from the screenshot
        st = await b.status()
        assert st["url"].endswith("/done?code=35")
        assert st["focusHolder"] is None
        b.close()
    finally:
        await room.disconnect()
