// Run the example agent against a runtime in a room:
//   LIVEKIT_URL=… LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… LIVEKIT_ROOM=demo node examples/agents/src/main.ts
// Scripted planner by default (expects the example site, see README.md); with ANTHROPIC_API_KEY set, Claude with
// the computer-use tool plans instead (AGENT_TASK describes the task).
import { connect, fitModelSize } from '@lkbrowser/client';
import { Room } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { AnthropicPlanner } from './anthropic-planner.ts';
import { runAgent } from './form-agent.ts';
import { ScriptedPlanner } from './scripted-planner.ts';

const need = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const identity = process.env.AGENT_IDENTITY ?? 'agent-1';
const at = new AccessToken(need('LIVEKIT_API_KEY'), need('LIVEKIT_API_SECRET'), { identity, ttl: 600 });
at.addGrant({
  room: need('LIVEKIT_ROOM'),
  roomJoin: true,
  canPublish: false,
  canPublishData: true,
  canSubscribe: false,
});
const room = new Room();
await room.connect(need('LIVEKIT_URL'), await at.toJwt(), { autoSubscribe: false, dynacast: false });
try {
  const b = await connect(room, process.env.BROWSER_IDENTITY ?? 'browser');
  const model = fitModelSize(b.viewport);
  const key = process.env.ANTHROPIC_API_KEY;
  const planner = key
    ? new AnthropicPlanner(
        process.env.AGENT_TASK ??
          'Fill in the form with name Ada and city Lyon, submit it, follow the link and tell me the code.',
        model,
        key,
      )
    : new ScriptedPlanner({ name: 'Ada', city: 'Lyon' });
  const r = await runAgent(b, planner, { model: key ? model : { width: 640, height: 480 } });
  console.log(JSON.stringify(r));
  b.close();
} finally {
  await room.disconnect();
}
