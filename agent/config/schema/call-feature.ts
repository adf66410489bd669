/** Call Feature: who may call and open, auto-answer for SIP and for IP calls (DND lives with each account). */
import { callerEntryProblem } from './caller-entry.ts';
import { bool, choice, int, list, section } from './fields.ts';

export const ALLOW_LIST_MAX = 32;

/**
 * Who may do what: incoming calls are auto-answered, and DTMF door codes accepted, only from allowed
 * callers (calls the door placed always accept codes). See `agent/features/support/callers.ts`.
 */
export const callers = section(
  {
    allowList: list([], {
      title: 'Allowed callers',
      description:
        'SIP URIs (sip:101@10.0.0.5), IP addresses or ranges (192.168.1.0/24, fd00::/8) and numbers (101, on calls through a SIP account) whose calls are auto-answered and may open the door by DTMF.',
      autop: 'Config.Features.CALLERS.AllowList',
      max: ALLOW_LIST_MAX,
      format: 'caller',
      check: callerEntryProblem,
    }),
    calledNumbers: bool(true, {
      title: 'Allow the numbers the door calls',
      description:
        'The push button numbers, the group call number and the call schedule numbers (the indoor monitors) are allowed callers.',
      autop: 'Config.Features.CALLERS.CalledNumbers',
    }),
    sipServer: bool(true, {
      title: "Allow the SIP server's accounts",
      description:
        "Calls on an enabled SIP account whose caller is at that account's SIP server or outbound proxy (an extension of the PBX) are allowed.",
      autop: 'Config.Features.CALLERS.SipServer',
    }),
    others: choice(['ring', 'reject'], 'ring', {
      title: 'Other callers',
      description:
        'Ring: an ordinary incoming call, never auto-answered, ended at the dial in time; reject: refused at once (486).',
      autop: 'Config.Features.CALLERS.Others',
      codes: ['0', '1'],
    }),
  },
  'Allowed callers',
);

const autoAnswer = (kind: 'SIP' | 'IP', key: string, def: boolean) =>
  section({
    enabled: bool(def, {
      title: `Auto answer ${kind} calls`,
      description: 'Only calls from allowed callers are answered automatically.',
      autop: `Config.Features.${key}.Enable`,
    }),
    delay: int(0, 0, 60, {
      title: 'Auto answer delay',
      description: 'Time the call rings before it is answered automatically.',
      autop: `Config.Features.${key}.Delay`,
      unit: 's',
    }),
    mode: choice(['audio', 'video'], 'video', {
      title: 'Auto answer mode',
      autop: `Config.Features.${key}.Mode`,
      codes: ['0', '1'],
    }),
  });

export const callFeature = section(
  {
    callers,
    autoAnswerSip: autoAnswer('SIP', 'AUTOANSWER', true),
    autoAnswerIp: autoAnswer('IP', 'AUTOANSWERIP', true),
  },
  'Call Feature',
);
