// The Python client (python/lkbrowser-client) keeps its own copies of protocol names and defaults (it cannot import
// @lkbrowser/protocol): they must be the protocol package's. The Python code is asked for its values and compared,
// and every action its computer-use mappings emit must be an action type of the protocol.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ACTION_TYPES, AGENT_STATUSES, BROWSER_ROLE, BROWSER_ROLE_ATTRIBUTE, RPC, TOPIC } from '@lkbrowser/protocol';
import { type Action, batchWaitMs } from '../src/actions.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const PKG = `${REPO}python/lkbrowser-client`;

/** Batches whose RPC timeout both clients compute from the protocol's defaults. */
const BATCHES: Action[][] = [
  [{ type: 'wait' }, { type: 'hold_key', keys: 'a' }],
  [{ type: 'wait_for_load' }, { type: 'wait_for_settle' }, { type: 'navigate', url: 'https://example.com/' }],
  [
    { type: 'wait', ms: 5 },
    { type: 'back' },
    { type: 'forward' },
    { type: 'reload' },
    { type: 'left_click', x: 1, y: 1 },
  ],
];

const PY = `
import json, sys
from lkbrowser_client import client, computer_use as cu
s = cu.Scaler.fit(1280, 720)
anthropic = [
  {"action": a, "coordinate": [10, 10]} for a in
  ("left_click", "right_click", "middle_click", "double_click", "triple_click", "mouse_move")
] + [
  {"action": "left_click_drag", "start_coordinate": [1, 1], "coordinate": [5, 5]},
  {"action": "left_mouse_down"}, {"action": "left_mouse_up"},
  {"action": "type", "text": "x"}, {"action": "key", "text": "ctrl+a"},
  {"action": "hold_key", "text": "shift", "duration": 1},
  {"action": "scroll", "coordinate": [5, 5], "scroll_direction": "down", "scroll_amount": 2},
  {"action": "wait", "duration": 1},
]
openai = [
  {"type": "click", "x": 1, "y": 1, "button": "left"}, {"type": "click", "x": 1, "y": 1, "button": "back"},
  {"type": "click", "x": 1, "y": 1, "button": "forward"}, {"type": "double_click", "x": 1, "y": 1},
  {"type": "move", "x": 1, "y": 1}, {"type": "drag", "path": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]},
  {"type": "scroll", "x": 1, "y": 1, "scroll_x": 0, "scroll_y": 200}, {"type": "type", "text": "x"},
  {"type": "keypress", "keys": ["CTRL", "A"]}, {"type": "wait"},
]
types = set()
for i in anthropic:
  types.update(a["type"] for a in cu.from_anthropic(i, s).actions)
for i in openai:
  types.update(a["type"] for a in cu.from_openai(i, s).actions)
batches = json.loads(sys.argv[1])
print(json.dumps({
  "RPC": client.RPC, "TOPIC": client.TOPIC, "AGENT_STATUSES": list(client.AGENT_STATUSES),
  "ROLE": [client.BROWSER_ROLE_ATTRIBUTE, client.BROWSER_ROLE],
  "emitted": sorted(types), "batch_wait_ms": [round(client._batch_wait_s(b) * 1000) for b in batches],
}))
`;

test("the Python client's protocol names, statuses, defaults and actions are the protocol package's", () => {
  const venv = spawnSync('bash', [`${REPO}scripts/python-venv.sh`], { encoding: 'utf8' });
  assert.equal(venv.status, 0, `scripts/python-venv.sh failed:\n${venv.stderr}`);
  const r = spawnSync(venv.stdout.trim(), ['-c', PY, JSON.stringify(BATCHES)], {
    env: { ...process.env, PYTHONPATH: `${PKG}/src`, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as {
    RPC: Record<string, string>;
    TOPIC: Record<string, string>;
    AGENT_STATUSES: string[];
    emitted: string[];
    batch_wait_ms: number[];
    ROLE: [string, string];
  };
  const rpcNames = new Set<string>(Object.values(RPC));
  for (const [k, v] of Object.entries(py.RPC))
    assert.ok(rpcNames.has(v), `python RPC.${k} = ${v} is not a protocol RPC`);
  for (const [k, v] of Object.entries(py.TOPIC)) {
    assert.ok((Object.values(TOPIC) as string[]).includes(v), `python TOPIC.${k} = ${v} is not a protocol topic`);
  }
  assert.deepEqual(py.TOPIC.screenshot, TOPIC.screenshot);
  assert.deepEqual(py.TOPIC.agent_status, TOPIC.agentStatus);
  assert.deepEqual(py.AGENT_STATUSES, [...AGENT_STATUSES]);
  assert.deepEqual(py.ROLE, [BROWSER_ROLE_ATTRIBUTE, BROWSER_ROLE], 'the role attribute the clients check');
  for (const t of py.emitted) assert.ok((ACTION_TYPES as readonly string[]).includes(t), `python emits "${t}"`);
  assert.ok(py.emitted.length >= 10, `emitted: ${py.emitted.join(', ')}`);
  assert.deepEqual(py.batch_wait_ms, BATCHES.map(batchWaitMs));
});
