/** Weekly schedules (DND, call schedule templates), evaluated in the device's time zone. */
import type { Config } from '../../config/index.ts';

type Day = Config['schedules'][number]['days'][number];
type Schedule = { days: Day[]; start: string; end: string };

const DAYS: Day[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const SHORT: Record<string, Day> = {
  Sun: 'sun',
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
};
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Day of the week and minute of the day at `epochMs` in `timeZone`. */
export function localTime(epochMs: number, timeZone: string): { day: Day; minute: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(epochMs).map((p) => [p.type, p.value]));
  return { day: SHORT[parts.weekday!]!, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Is the schedule active? From `start` to `end` inclusive (to 23:59 covers the whole day) on its
 * days; when `end` is before `start` the period runs past midnight into the next day.
 */
export function isActive(s: Schedule, epochMs: number, timeZone: string): boolean {
  const { day, minute } = localTime(epochMs, timeZone);
  const start = minuteOf(s.start);
  const end = minuteOf(s.end);
  if (start <= end) return s.days.includes(day) && minute >= start && minute <= end;
  const yesterday = DAYS[(DAYS.indexOf(day) + 6) % 7]!;
  return (s.days.includes(day) && minute >= start) || (s.days.includes(yesterday) && minute <= end);
}

/** Is the named schedule of the config active now? Unknown names are never active. */
export function isNamedActive(config: Config, name: string, epochMs: number): boolean {
  const s = config.schedules.find((x) => x.name === name);
  return s ? isActive(s, epochMs, config.identity.timeZone) : false;
}
