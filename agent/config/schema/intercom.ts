/** Intercom > Basic: call times, push button, its action, push to hang up, hang up after open, multicast, call schedule. */
import * as z from '../../../core/zod.ts';
import { bool, choice, int, list, section, slots, text } from './fields.ts';

export const MULTICAST_SLOTS = 10;
export const TEMPLATE_SLOTS = 10;

export const pushButton = section(
  {
    numbers: list([], {
      title: 'Call numbers',
      description: 'Numbers, SIP URIs or IP addresses called when the push button is pressed.',
      autop: 'Config.Intercom.PUSHBUTTON.Numbers',
      max: 16,
    }),
    callType: choice(['group', 'sequence'], 'group', {
      title: 'Call type',
      description: 'Group call rings all numbers at once; sequence call rings them one after another.',
      autop: 'Config.Intercom.PUSHBUTTON.CallType',
      codes: ['0', '1'],
    }),
    sequenceTimeout: int(20, 5, 120, {
      title: 'Time out',
      description: 'Sequence call: how long each number rings before the next is called.',
      autop: 'Config.Intercom.PUSHBUTTON.SequenceTimeout',
      unit: 's',
    }),
    whenRefused: choice(['call-next', 'stop'], 'call-next', {
      title: 'When refused',
      description: 'Call next: keep calling the other numbers; do not call next: stop calling.',
      autop: 'Config.Intercom.PUSHBUTTON.WhenRefused',
      codes: ['0', '1'],
    }),
    groupCallNumber: text('', {
      title: 'Group call number (local)',
      description: 'When set, this number is called instead of the list (e.g. a PBX ring group).',
      autop: 'Config.Intercom.PUSHBUTTON.GroupCallNumber',
      max: 128,
    }),
    account: choice(['auto', '1', '2'], 'auto', {
      title: 'Account',
      description: 'Account used to call; auto = first registered account, direct IP for addresses.',
      autop: 'Config.Intercom.PUSHBUTTON.Account',
    }),
  },
  'Push button',
);

export const pushButtonAction = section(
  {
    ftp: bool(false, { title: 'FTP', autop: 'Config.Intercom.PUSHBUTTONACTION.Ftp' }),
    email: bool(false, { title: 'Email', autop: 'Config.Intercom.PUSHBUTTONACTION.Email' }),
    http: bool(false, { title: 'HTTP URL', autop: 'Config.Intercom.PUSHBUTTONACTION.Http' }),
    httpUrl: text('', {
      title: 'HTTP URL',
      description: 'GET sent on a press: http://server/message. Placeholders: $mac, $ip, $model, $relay1status ...',
      autop: 'Config.Intercom.PUSHBUTTONACTION.HttpUrl',
      format: 'url',
      max: 512,
    }),
    relay: int(0, 0, 3, {
      title: 'Relay ID',
      description: 'Relay switched on by a press (0 = none).',
      autop: 'Config.Intercom.PUSHBUTTONACTION.Relay',
    }),
    relayReset: choice(['hang-up', 'line-connected'], 'hang-up', {
      title: 'How to reset the relay',
      description:
        'Hang up after connecting: reset when the call ends; line connected: reset when the call is answered.',
      autop: 'Config.Intercom.PUSHBUTTONACTION.RelayReset',
      codes: ['0', '1'],
    }),
  },
  'Push button action',
);

export const pushToHangUp = section(
  {
    enabled: bool(false, { title: 'Push to hang up', autop: 'Config.Intercom.PUSHTOHANGUP.Enable' }),
    holdTime: int(5, 0, 60, {
      title: 'Hold time',
      description: 'Within this time after the call started, a press does not hang up.',
      autop: 'Config.Intercom.PUSHTOHANGUP.HoldTime',
      unit: 's',
    }),
  },
  'Push to hang up',
);

export const hangUpAfterOpen = section(
  {
    enabled: bool(false, { title: 'Hang up after opening the door', autop: 'Config.Intercom.HANGUPAFTEROPEN.Enable' }),
    type: choice(['dtmf', 'api', 'input', 'any'], 'dtmf', {
      title: 'Type',
      description: 'Unlock method that ends the call: DTMF code, HTTP API / web, exit button input, or any.',
      autop: 'Config.Intercom.HANGUPAFTEROPEN.Type',
      codes: ['0', '1', '2', '3'],
    }),
    timeout: int(5, 1, 60, {
      title: 'Time out',
      description: 'The call ends this long after the door was opened.',
      autop: 'Config.Intercom.HANGUPAFTEROPEN.Timeout',
      unit: 's',
    }),
  },
  'Hang up after opening the door',
);

const listen = z.strictObject({
  address: text('', {
    title: 'Listening address',
    autop: 'Config.Multicast.LISTEN{n}.Address',
    format: 'multicast',
  }),
  port: int(10000, 1024, 65535, { title: 'Port', autop: 'Config.Multicast.LISTEN{n}.Port' }),
  label: text('', { title: 'Label', autop: 'Config.Multicast.LISTEN{n}.Label', max: 32 }),
});

export const multicast = section(
  {
    pagingBarge: int(0, 0, MULTICAST_SLOTS, {
      title: 'Paging barge',
      description:
        'Pages from the first N listening addresses have priority over SIP calls and interrupt them; 0 = SIP calls have priority.',
      autop: 'Config.Multicast.GROUP.PagingBarge',
    }),
    pagingPriorityActive: bool(true, {
      title: 'Paging priority active',
      description: 'Pages follow the order of the list: a higher one interrupts a lower one that is playing.',
      autop: 'Config.Multicast.GROUP.PagingPriorityActive',
    }),
    listen: slots(listen, MULTICAST_SLOTS, (i) => ({ port: 10000 + 2 * i })),
  },
  'Multicast',
);

const template = z.strictObject({
  enabled: bool(false, { title: 'Template enabled', autop: 'Config.CallSchedule.TEMPLATE{n}.Enable' }),
  name: text('', { title: 'Template name', autop: 'Config.CallSchedule.TEMPLATE{n}.Name', format: 'ref' }),
  numbers: list([], {
    title: 'Call numbers',
    description: 'Called when a press happens while one of the template schedules is active.',
    autop: 'Config.CallSchedule.TEMPLATE{n}.Numbers',
    max: 16,
  }),
  schedules: list([], {
    title: 'Enabled schedules',
    autop: 'Config.CallSchedule.TEMPLATE{n}.Schedules',
    max: 10,
    format: 'ref',
  }),
});

export const callSchedule = slots(template, TEMPLATE_SLOTS, () => ({}));

export const intercom = section(
  {
    maxCallTime: int(5, 1, 120, {
      title: 'Max call time',
      description: 'Every call ends automatically after this time.',
      autop: 'Config.Features.DOORPHONE.MaxCallTime',
      unit: 'min',
    }),
    dialInTime: int(60, 5, 120, {
      title: 'Dial in time',
      description: 'An incoming call not answered within this time ends.',
      autop: 'Config.Settings.CALLTIMEOUT.DialIn',
      unit: 's',
    }),
    dialOutTime: int(60, 5, 120, {
      title: 'Dial out time',
      description: 'An outgoing call not answered within this time is cancelled.',
      autop: 'Config.Settings.CALLTIMEOUT.DialOut',
      unit: 's',
    }),
    maxCalls: int(1, 1, 8, {
      title: 'Concurrent calls',
      description:
        'Calls in conversation at once. An incoming call beyond it is refused busy (486); the calls the door places for a group or sequence call may ring in addition.',
      autop: 'Config.Features.DOORPHONE.MaxCalls',
    }),
    pushButton,
    pushButtonAction,
    pushToHangUp,
    hangUpAfterOpen,
    multicast,
    callSchedule,
  },
  'Intercom > Basic',
);
