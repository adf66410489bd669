/** The budget of baresip warnings in the agent's log: a flood of malformed SIP cannot fill it. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FakeClock } from '../../core/index.ts';
import { LogBudget } from '../../sip/baresip/log-budget.ts';

it('lets `max` lines through in a window, counts the others and reports them with the next one', async () => {
  const clock = new FakeClock(0);
  const budget = new LogBudget(clock, { max: 3, windowMs: 1000 });
  assert.deepEqual([budget.take(), budget.take(), budget.take()], [0, 0, 0]);
  assert.deepEqual([budget.take(), budget.take()], [undefined, undefined]);
  await clock.advance(999);
  assert.equal(budget.take(), undefined);
  await clock.advance(1);
  assert.equal(budget.take(), 3, 'the next window reports the 3 lines left out');
  assert.equal(budget.take(), 0);
});
