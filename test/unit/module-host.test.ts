/**
 * ModuleHost (core/module.ts): modules start in order and stop in reverse; one that fails to start
 * is isolated; a stop while they start (a Ctrl-C at the start) waits for the module starting, starts
 * no more, and stops every one that runs, the one that was starting included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Module, ModuleHost, silentLogger } from '../../core/index.ts';

/** A module that records its start and stop; `hold` keeps its start pending until `release()`. */
function recorder(name: string, events: string[], opts: { hold?: boolean; fail?: boolean } = {}) {
  let release = () => {};
  let started = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const begun = new Promise<void>((r) => {
    started = r;
  });
  const module: Module = {
    name,
    async start() {
      events.push(`start ${name}`);
      started();
      if (opts.hold) await gate;
      if (opts.fail) throw new Error(`${name} broke`);
      events.push(`running ${name}`);
    },
    async stop() {
      events.push(`stop ${name}`);
    },
  };
  return { module, release, begun };
}

describe('ModuleHost', () => {
  it('starts in order, stops in reverse; a module that fails to start is isolated and not stopped', async () => {
    const events: string[] = [];
    const host = new ModuleHost(silentLogger());
    host.add(recorder('a', events).module, recorder('b', events, { fail: true }).module, recorder('c', events).module);
    await host.start();
    assert.equal(host.states().b?.state, 'failed');
    assert.equal(host.states().b?.error, 'b broke');
    await host.stop();
    assert.deepEqual(events, ['start a', 'running a', 'start b', 'start c', 'running c', 'stop c', 'stop a']);
  });

  it('a stop while a module starts: waits for it, starts no more, stops it and the ones before', async () => {
    const events: string[] = [];
    const host = new ModuleHost(silentLogger());
    const b = recorder('b', events, { hold: true });
    host.add(recorder('a', events).module, b.module, recorder('c', events).module);
    const starting = host.start();
    await b.begun;
    const stopping = host.stop();
    assert.equal(host.stopping, true);
    b.release();
    await Promise.all([starting, stopping]);
    assert.deepEqual(events, ['start a', 'running a', 'start b', 'running b', 'stop b', 'stop a']);
    assert.deepEqual(
      Object.entries(host.states()).map(([name, s]) => [name, s.state]),
      [
        ['a', 'stopped'],
        ['b', 'stopped'],
        ['c', 'stopped'],
      ],
    );
  });
});
