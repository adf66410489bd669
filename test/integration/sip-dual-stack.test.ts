/**
 * IPv4 and IPv6 SDP offers (issue 10, finding 5). A resident's app may offer its IPv6 address
 * (linphone does unless told not to); baresip refuses an offer of a family it has no address of with
 * `488 Not Acceptable Here`. On a device that has both families the door must accept both; where it
 * has one only, the refusal must be in the agent's log at warn (baresip prints it on its output only).
 * The device side runs in a network namespace made by the test: a veth interface with 10.9.0.1/24
 * and fd00:9::1/64, default routes on it, loopback up.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startProcess, stopAll } from '../harness/processes.ts';

const V4 = '10.9.0.1';
const V6 = 'fd00:9::1';

after(stopAll);

async function inNamespace(listen: string): Promise<{ ipv4: number; ipv6: number; warnings: string[] }> {
  const setup = [
    'ip link set lo up',
    'ip link add v0 type veth peer name v1',
    `ip addr add ${V4}/24 dev v0`,
    `ip -6 addr add ${V6}/64 dev v0 nodad`,
    'ip link set v0 up',
    'ip link set v1 up',
    'ip route add default dev v0',
    'ip -6 route add default dev v0',
  ].join(' && ');
  const child = startProcess('dual-stack-netns', 'unshare', [
    '-n',
    'sh',
    '-c',
    `${setup} && exec node --import tsx test/fixtures/sip-dual-stack.ts ${listen} ${V4} ${V6}`,
  ]);
  const exit = await child.exited;
  assert.equal(exit.code, 0, `the fixture failed (unshare -n needs root):\n${child.output()}`);
  const line = child
    .output()
    .split('\n')
    .find((l) => l.startsWith('{'));
  assert.ok(line, child.output());
  return JSON.parse(line);
}

describe('IPv4 and IPv6 media offers', () => {
  it('listening on all addresses (a device): both are answered', async () => {
    const r = await inNamespace('0.0.0.0');
    assert.equal(r.ipv4, 200);
    assert.equal(r.ipv6, 200);
  });

  it("listening on the device's IPv4 address: both are answered (its interface's IPv6 address is used for IPv6)", async () => {
    const r = await inNamespace(V4);
    assert.equal(r.ipv4, 200);
    assert.equal(r.ipv6, 200, `warnings: ${r.warnings.join(' | ')}`);
  });

  it('listening on 127.0.0.1 (IPv4 only): the IPv6 offer is refused, and the agent logs why at warn', async () => {
    const r = await inNamespace('127.0.0.1');
    assert.equal(r.ipv4, 200);
    assert.equal(r.ipv6, 488);
    assert.ok(
      r.warnings.some((w) => /SDP offer AF not available \(AF_INET6\)/.test(w)),
      `warnings: ${r.warnings.join(' | ')}`,
    );
  });
});
