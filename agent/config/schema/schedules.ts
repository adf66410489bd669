/** Named weekly schedules used by DND and call schedule templates. */
import * as z from '../../../core/zod.ts';
import { list, slots, text } from './fields.ts';

export const SCHEDULE_SLOTS = 10;
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const schedule = z.strictObject({
  name: text('', {
    title: 'Name',
    description: 'Empty = unused slot.',
    autop: 'Config.Schedule.SCHEDULE{n}.Name',
    format: 'ref',
  }),
  days: list([...DAYS], { title: 'Days', autop: 'Config.Schedule.SCHEDULE{n}.Days', max: 7, choices: DAYS }),
  start: text('00:00', {
    title: 'From',
    description: 'Local time (device time zone).',
    autop: 'Config.Schedule.SCHEDULE{n}.Start',
    format: 'time',
  }),
  end: text('23:59', {
    title: 'To',
    description: 'Local time; earlier than From means the period runs past midnight.',
    autop: 'Config.Schedule.SCHEDULE{n}.End',
    format: 'time',
  }),
});

export const schedules = slots(schedule, SCHEDULE_SLOTS, () => ({}));
