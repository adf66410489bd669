/** SIP accounts, each with its Do Not Disturb settings (shown on the Call Feature page). */
import * as z from '../../../core/zod.ts';
import { bool, choice, int, slots, text } from './fields.ts';

export const ACCOUNT_COUNT = 2;

const dnd = z._default(
  z.strictObject({
    enabled: bool(false, { title: 'DND', autop: 'Config.Account{n}.DND.Enable' }),
    returnCode: choice(['404', '480', '486', '603'], '486', {
      title: 'Return code when DND',
      description: 'SIP code sent to the caller when a call is rejected in DND mode.',
      autop: 'Config.Account{n}.DND.ReturnCode',
      aliases: ['Config.Features.REJECT.ReturnCode'],
    }),
    onCode: text('', {
      title: 'DND on code',
      description: 'Code dialled to the SIP server when DND turns on (e.g. *78).',
      autop: 'Config.Account{n}.DND.OnCode',
      format: 'dtmf',
      max: 16,
    }),
    offCode: text('', {
      title: 'DND off code',
      description: 'Code dialled to the SIP server when DND turns off (e.g. *79).',
      autop: 'Config.Account{n}.DND.OffCode',
      format: 'dtmf',
      max: 16,
    }),
    when: choice(['whole-day', 'schedule'], 'whole-day', {
      title: 'DND time',
      autop: 'Config.Account{n}.DND.Mode',
      codes: ['0', '1'],
    }),
    schedule: text('', {
      title: 'DND schedule',
      description: 'Name of the schedule during which DND is on.',
      autop: 'Config.Account{n}.DND.Schedule',
      format: 'ref',
    }),
  }),
  { enabled: false, returnCode: '486', onCode: '', offCode: '', when: 'whole-day', schedule: '' },
);

export const account = z.strictObject({
  enabled: bool(false, { title: 'Enabled', autop: 'Config.Account{n}.GENERAL.Enable' }),
  label: text('', { title: 'Label', autop: 'Config.Account{n}.GENERAL.Label', max: 64 }),
  displayName: text('', { title: 'Display name', autop: 'Config.Account{n}.GENERAL.DisplayName', max: 64 }),
  user: text('', {
    title: 'User name',
    description: 'SIP user (the "SIP ID" or extension).',
    autop: 'Config.Account{n}.GENERAL.UserName',
    format: 'dial',
    max: 64,
  }),
  authUser: text('', {
    title: 'Authentication name',
    description: 'Login for digest authentication; empty = user name.',
    autop: 'Config.Account{n}.GENERAL.AuthName',
    max: 64,
  }),
  password: text('', { title: 'Password', autop: 'Config.Account{n}.GENERAL.Pwd', format: 'secret', max: 128 }),
  mode: choice(['registered', 'static-ip'], 'registered', {
    title: 'Account mode',
    description: 'registered: REGISTER with digest auth; static-ip: no registration, calls go to the PBX address.',
    autop: 'Config.Account{n}.GENERAL.Mode',
    codes: ['0', '1'],
  }),
  server: text('', {
    title: 'SIP server',
    description: 'Registrar / PBX host name or address (the SIP domain).',
    autop: 'Config.Account{n}.SIP.Server',
    format: 'host',
  }),
  port: int(5060, 1, 65535, { title: 'SIP server port', autop: 'Config.Account{n}.SIP.Port' }),
  transport: choice(['udp', 'tcp', 'tls'], 'udp', {
    title: 'Transport',
    autop: 'Config.Account{n}.SIP.TransType',
    codes: ['0', '1', '2'],
  }),
  registerInterval: int(1800, 30, 65535, {
    title: 'Registration period',
    autop: 'Config.Account{n}.REG.Timeout',
    unit: 's',
  }),
  outboundProxy: text('', {
    title: 'Outbound proxy',
    description: 'host[:port] of an outbound proxy; empty = none.',
    autop: 'Config.Account{n}.OUTPROXY.Server',
    format: 'hostport',
  }),
  dtmfMode: choice(['rfc4733', 'info'], 'rfc4733', {
    title: 'DTMF mode',
    description: 'RFC 4733 (RFC 2833) telephone events in RTP, or SIP INFO.',
    autop: 'Config.Account{n}.DTMF.Type',
    codes: ['1', '2'],
  }),
  srtp: choice(['off', 'optional', 'mandatory'], 'off', {
    title: 'Voice encryption (SRTP)',
    autop: 'Config.Account{n}.ENCRYPTION.SRTP',
    codes: ['0', '1', '2'],
  }),
  dnd,
});

export const accounts = slots(account, ACCOUNT_COUNT, () => ({}));
