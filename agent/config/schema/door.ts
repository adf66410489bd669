/** Relays (door strikes) and inputs (push button, exit button, door contact). */
import * as z from '../../../core/zod.ts';
import { bool, choice, int, LETTERS, list, slots, text } from './fields.ts';

export const RELAY_COUNT = 3;
export const INPUT_COUNT = 4;

export const relay = z.strictObject({
  enabled: bool(true, { title: 'Enabled', autop: 'Config.DoorSetting.RELAY.Relay{L}Enable' }),
  name: text('', { title: 'Name', autop: 'Config.DoorSetting.RELAY.Relay{L}Name', max: 32 }),
  type: choice(['normal', 'inverted'], 'normal', {
    title: 'Type',
    description: 'normal: energized (line active) when triggered; inverted: line active while idle.',
    autop: 'Config.DoorSetting.RELAY.Relay{L}Type',
    codes: ['0', '1'],
  }),
  mode: choice(['monostable', 'bistable'], 'monostable', {
    title: 'Mode',
    description: 'monostable: a trigger pulses the relay for the hold time; bistable: on/off/toggle.',
    autop: 'Config.DoorSetting.RELAY.Relay{L}Mode',
    codes: ['0', '1'],
  }),
  holdTime: int(3, 1, 60, {
    title: 'Hold time',
    description: 'How long the relay stays energized after a trigger (monostable).',
    autop: 'Config.DoorSetting.RELAY.Relay{L}Delay',
    unit: 's',
  }),
  triggerDelay: int(0, 0, 10, {
    title: 'Trigger delay',
    description: 'Wait before the relay is energized.',
    autop: 'Config.DoorSetting.RELAY.Relay{L}TriggerDelay',
    unit: 's',
  }),
  dtmfCode: text('', {
    title: 'DTMF code',
    description: 'Code (1-4 of 0-9 * #) a resident sends during a call to trigger this relay; empty = none.',
    autop: 'Config.DoorSetting.DTMF.Code{n}',
    format: 'dtmf',
  }),
  line: text('', {
    title: 'GPIO line',
    description: 'Name of the GPIO line that drives this relay.',
    autop: 'Config.DoorSetting.RELAY.Relay{L}Line',
    format: 'line',
  }),
});

export const relays = slots(relay, RELAY_COUNT, (i) => ({
  name: ['Door', 'Gate', 'Light'][i],
  dtmfCode: i === 0 ? '#' : '',
  line: `RELAY_${LETTERS[i]}`,
}));

export const input = z.strictObject({
  enabled: bool(true, { title: 'Enabled', autop: 'Config.DoorSetting.INPUT.Input{L}Enable' }),
  name: text('', { title: 'Name', autop: 'Config.DoorSetting.INPUT.Input{L}Name', max: 32 }),
  line: text('', {
    title: 'GPIO line',
    description: 'Name of the GPIO line of this input.',
    autop: 'Config.DoorSetting.INPUT.Input{L}Line',
    format: 'line',
  }),
  activeLevel: choice(['high', 'low'], 'high', {
    title: 'Active level',
    description: 'Line level that means pressed / closed.',
    autop: 'Config.DoorSetting.INPUT.Input{L}ActiveLevel',
    codes: ['1', '0'],
  }),
  debounceMs: int(50, 0, 1000, {
    title: 'Debounce',
    description: 'Changes shorter than this are ignored.',
    autop: 'Config.DoorSetting.INPUT.Input{L}Debounce',
    unit: 'ms',
  }),
  role: choice(['push-button', 'exit-button', 'door-contact', 'generic'], 'generic', {
    title: 'Role',
    description:
      'push-button calls (Intercom > Basic); exit-button opens its relay; door-contact reports the door state and alarms when open too long.',
    autop: 'Config.DoorSetting.INPUT.Input{L}Role',
    codes: ['0', '1', '2', '3'],
  }),
  relay: int(0, 0, RELAY_COUNT, {
    title: 'Relay',
    description: 'exit-button: relay it opens; door-contact: door it watches (0 = none).',
    autop: 'Config.DoorSetting.INPUT.Input{L}Relay',
  }),
  openAlarm: int(60, 0, 3600, {
    title: 'Door open too long',
    description: 'door-contact: raise an alarm when the door stays open longer than this (0 = never).',
    autop: 'Config.DoorSetting.INPUT.Input{L}OpenAlarm',
    unit: 's',
  }),
  callTemplates: list([], {
    title: 'Call schedule templates',
    description:
      'push-button: call schedule templates assigned to this input; a press calls the numbers of the first one whose schedule is active, instead of the group / sequence call.',
    autop: 'Config.DoorSetting.INPUT.Input{L}CallTemplates',
    format: 'ref',
    max: 10,
  }),
});

const defaultInputs = [
  { name: 'Push button', line: 'PUSH_BUTTON', role: 'push-button' },
  { name: 'Exit button', line: 'EXIT_BUTTON', role: 'exit-button', relay: 1 },
  { name: 'Door contact', line: 'DOOR_CONTACT', role: 'door-contact', relay: 1 },
  { name: 'Input D', line: 'INPUT_D', role: 'generic', enabled: false },
] as const;

export const inputs = slots(input, INPUT_COUNT, (i) => ({ ...defaultInputs[i] }));
