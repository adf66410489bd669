/**
 * The 40 ms stall between the agent and baresip is gone (issue 10, finding 4). baresip's ctrl_tcp
 * socket has Nagle on: its second small write waits for the agent's ACK of the first, which Linux
 * delays by its delayed-ACK timer (>= 40 ms). The mechanism is checked, not the time: inside a
 * network namespace of its own the kernel's DelayedACKs counter (one per expiry of that timer)
 * counts this connection only. Answering calls as the agent's auto-answer does must not fire it;
 * a client without TCP_QUICKACK, as a control, fires it for every pipelined command pair.
 * The figure itself (INVITE → 200 OK) is in bench/sip-answer.bench.ts.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { startProcess, stopAll } from '../harness/processes.ts';

const CALLS = 10;
const PAIRS = 20;

after(stopAll);

it('answering calls pays no delayed ACK on ctrl_tcp (TCP_QUICKACK after every read)', async () => {
  const child = startProcess('acks-netns', 'unshare', [
    '-n',
    'sh',
    '-c',
    `ip link set lo up && exec node --import tsx test/fixtures/ctrl-delayed-acks.ts ${CALLS} ${PAIRS}`,
  ]);
  const exit = await child.exited;
  assert.equal(exit.code, 0, `the fixture failed (unshare -n needs root):\n${child.output()}`);
  const line = child
    .output()
    .split('\n')
    .find((l) => l.startsWith('{'));
  assert.ok(line, child.output());
  const r = JSON.parse(line) as Record<string, number>;
  assert.equal(r.engineCalls, CALLS, 'every call was answered (200 OK at the caller)');
  // The control proves the counter sees the stall: one delayed ACK per pair without TCP_QUICKACK.
  assert.ok(r.controlDelayedAcks! >= PAIRS / 2, `control without TCP_QUICKACK: ${r.controlDelayedAcks} delayed ACKs`);
  // With it: none (one is tolerated: an event loop held up > 40 ms by a loaded machine lets the timer win).
  assert.ok(r.clientDelayedAcks! <= 1, `client with TCP_QUICKACK: ${r.clientDelayedAcks} delayed ACKs`);
  assert.ok(r.engineDelayedAcks! <= 1, `engine answering ${CALLS} calls: ${r.engineDelayedAcks} delayed ACKs`);
});
