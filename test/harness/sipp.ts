/**
 * sipp (Debian `sip-tester`) as a real SIP caller in tests: one run of a scenario (the built-in
 * `uac`, or an XML file written to a temp dir) against a target on 127.0.0.1, from free ports, with
 * every message logged (`-trace_msg`); the result counts the responses sipp received by status code.
 * Every run is bounded: a global time out (`-timeout`), a number of calls (`-m`), and a hard kill.
 *
 *   const r = await runSipp({ target: `127.0.0.1:${port}`, service: 'portier', scenario: uacScenario(), calls: 1 });
 *   r.finals   // { 200: 1 }: the final response of each call, by code
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeRtpRange, freeSipPort } from './ports.ts';
import { startProcess } from './processes.ts';

export type SippOptions = {
  /** host:port of the SIP endpoint called. */
  target: string;
  /** Request-URI user (`-s`). */
  service?: string;
  /** 'uac' (built in: INVITE, 200, ACK, BYE) or the XML text of a scenario. */
  scenario: 'uac' | { xml: string };
  /** Calls placed in all (`-m`, default 1). */
  calls?: number;
  /** New calls per second (`-r`, default 10). */
  rate?: number;
  /** Calls at once at most (`-l`). */
  limit?: number;
  /** The whole run ends after this time (`-timeout`, default 30 s); the process is killed 5 s later. */
  timeoutMs?: number;
  /** A call waiting longer than this for a message fails (`-recv_timeout`, default 10 s). */
  recvTimeoutMs?: number;
  /** More arguments (e.g. `-key holdms 500`). */
  args?: string[];
  name?: string;
};

/** What sipp received, in order: its status line and Call-ID. */
export type SippResponse = { code: number; reason: string; callId: string; cseq: string };

export type SippResult = {
  exitCode: number | null;
  /** Every response received (provisional and final, retransmissions included). */
  responses: SippResponse[];
  /** The final response to each INVITE (first one per Call-ID), by code. */
  finals: Record<number, number>;
  /** Reason phrase of the first final response of each code ("486" → "Busy Here"). */
  phrases: Record<number, string>;
  /** Calls sipp counted as successful / failed (its statistics). */
  successful: number;
  failed: number;
  output: string;
};

/**
 * A UAC scenario that takes either outcome: 200 (ACK, plays `playPcap` if given, holds `holdMs`,
 * BYE) or 486 (ACK). Any
 * other final response makes the call fail (counted in `failed`, still seen in `responses`).
 */
export function uacScenario(opts: { holdMs?: number; playPcap?: string } = {}): { xml: string } {
  const hold = opts.holdMs ?? 200;
  // RTP from a pcap (e.g. sip-tester's dtmf_2833_*.pcap), sent from the media port once the call is up.
  const play = opts.playPcap ? `<nop><action><exec play_pcap_audio="${opts.playPcap}"/></action></nop>` : '';
  const msg = (text: string) => `<![CDATA[\n${text.trim()}\n\n]]>`;
  const xml = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="portier uac">
  <send retrans="500">
    ${msg(`
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
`)}
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="486" optional="true" next="refused"/>
  <recv response="200" rtd="true"/>
  <send>
    ${msg(`
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
`)}
  </send>
  ${play}
  <pause milliseconds="${hold}"/>
  <send retrans="500">
    ${msg(`
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
`)}
  </send>
  <recv response="200" crlf="true" next="done"/>
  <label id="refused"/>
  <send>
    ${msg(`
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
`)}
  </send>
  <label id="done"/>
</scenario>
`;
  return { xml };
}

/** Runs sipp to its end (or its time out) and reads what it received. */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portier-sipp-'));
  try {
    const port = await freeSipPort(1);
    const [mediaPort] = await freeRtpRange(4);
    const messages = join(dir, 'messages.log');
    const stats = join(dir, 'stats.csv');
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const args = [
      opts.target,
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-mp',
      String(mediaPort),
      '-m',
      String(opts.calls ?? 1),
      '-r',
      String(opts.rate ?? 10),
      '-timeout',
      `${Math.ceil(timeoutMs / 1000)}s`,
      '-recv_timeout',
      String(opts.recvTimeoutMs ?? 10_000),
      '-trace_msg',
      '-message_file',
      messages,
      '-trace_stat',
      '-stf',
      stats,
      '-nostdin',
    ];
    if (opts.service) args.push('-s', opts.service);
    if (opts.limit) args.push('-l', String(opts.limit));
    if (opts.scenario === 'uac') args.push('-sn', 'uac');
    else {
      const file = join(dir, 'scenario.xml');
      await writeFile(file, opts.scenario.xml);
      args.push('-sf', file);
    }
    args.push(...(opts.args ?? []));
    const proc = startProcess(opts.name ?? 'sipp', 'sipp', args, { cwd: dir });
    const killer = setTimeout(() => void proc.stop(1000), timeoutMs + 5000);
    const { code } = await proc.exited;
    clearTimeout(killer);
    const log = await readFile(messages, 'latin1').catch(() => '');
    const responses = parseReceived(log);
    const finals: Record<number, number> = {};
    const phrases: Record<number, string> = {};
    const seen = new Set<string>();
    for (const r of responses) {
      if (r.code < 200 || !/INVITE/.test(r.cseq) || seen.has(r.callId)) continue;
      seen.add(r.callId);
      finals[r.code] = (finals[r.code] ?? 0) + 1;
      phrases[r.code] ??= r.reason;
    }
    const { successful, failed } = parseStats(await readFile(stats, 'utf8').catch(() => ''));
    return { exitCode: code, responses, finals, phrases, successful, failed, output: proc.output() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The responses in sipp's message log ("UDP message received [n] bytes :" then the message). */
export function parseReceived(log: string): SippResponse[] {
  const out: SippResponse[] = [];
  for (const block of log.split(/^-{20,}.*$/m)) {
    const m = /message received \[\d+\] bytes :\s*\n\s*\n?SIP\/2\.0 (\d{3}) ?([^\r\n]*)/.exec(block);
    if (!m) continue;
    const callId = /^Call-ID:\s*(.*)$/im.exec(block)?.[1]?.trim() ?? '';
    const cseq = /^CSeq:\s*(.*)$/im.exec(block)?.[1]?.trim() ?? '';
    out.push({ code: Number(m[1]), reason: m[2]!.trim(), callId, cseq });
  }
  return out;
}

/** The last line of sipp's `-trace_stat` CSV: its SuccessfulCall(C) and FailedCall(C) columns. */
function parseStats(csv: string): { successful: number; failed: number } {
  const lines = csv.trim().split('\n');
  if (lines.length < 2) return { successful: 0, failed: 0 };
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string) => Number(last[head.indexOf(name)] ?? 0) || 0;
  return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
}
