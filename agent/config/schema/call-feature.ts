/** Call Feature: auto-answer for SIP and for IP calls (DND lives with each account). */
import { bool, choice, int, section } from './fields.ts';

const autoAnswer = (kind: 'SIP' | 'IP', key: string, def: boolean) =>
  section({
    enabled: bool(def, { title: `Auto answer ${kind} calls`, autop: `Config.Features.${key}.Enable` }),
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
    autoAnswerSip: autoAnswer('SIP', 'AUTOANSWER', true),
    autoAnswerIp: autoAnswer('IP', 'AUTOANSWERIP', true),
  },
  'Call Feature',
);
