import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isActive, localTime } from '../../agent/features/support/schedules.ts';

// 2026-01-05 is a Monday.
const at = (iso: string) => Date.parse(iso);

describe('weekly schedules', () => {
  it('reads the local day and minute in the device time zone', () => {
    assert.deepEqual(localTime(at('2026-01-05T12:30:00Z'), 'UTC'), { day: 'mon', minute: 750 });
    assert.deepEqual(localTime(at('2026-01-05T23:30:00Z'), 'Europe/Berlin'), { day: 'tue', minute: 30 });
    assert.deepEqual(localTime(at('2026-01-05T03:00:00Z'), 'America/New_York'), { day: 'sun', minute: 22 * 60 });
  });

  it('is active from start to end inclusive on its days', () => {
    const office = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '08:00', end: '18:00' };
    const s = { ...office, days: [...office.days] };
    assert.equal(isActive(s, at('2026-01-05T07:59:00Z'), 'UTC'), false);
    assert.equal(isActive(s, at('2026-01-05T08:00:00Z'), 'UTC'), true);
    assert.equal(isActive(s, at('2026-01-05T18:00:59Z'), 'UTC'), true);
    assert.equal(isActive(s, at('2026-01-05T18:01:00Z'), 'UTC'), false);
    assert.equal(isActive(s, at('2026-01-10T12:00:00Z'), 'UTC'), false, 'saturday');
  });

  it('runs past midnight when the end is before the start', () => {
    const night = { days: ['fri' as const], start: '22:00', end: '06:00' };
    assert.equal(isActive(night, at('2026-01-09T21:59:00Z'), 'UTC'), false, 'friday before start');
    assert.equal(isActive(night, at('2026-01-09T23:00:00Z'), 'UTC'), true, 'friday night');
    assert.equal(isActive(night, at('2026-01-10T05:59:00Z'), 'UTC'), true, 'saturday early, from friday');
    assert.equal(isActive(night, at('2026-01-10T06:01:00Z'), 'UTC'), false);
    assert.equal(isActive(night, at('2026-01-10T23:00:00Z'), 'UTC'), false, 'saturday night is not in the schedule');
  });

  it('follows the time zone, daylight saving included', () => {
    const morning = { days: ['mon' as const], start: '09:00', end: '09:59' };
    assert.equal(isActive(morning, at('2026-01-05T08:30:00Z'), 'Europe/Berlin'), true, 'winter: UTC+1');
    assert.equal(isActive(morning, at('2026-07-06T07:30:00Z'), 'Europe/Berlin'), true, 'summer: UTC+2');
    assert.equal(isActive(morning, at('2026-07-06T08:30:00Z'), 'Europe/Berlin'), false);
  });
});
