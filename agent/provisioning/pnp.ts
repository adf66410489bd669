/**
 * SIP PnP (plug and play), as IP phones and door phones find their provisioning server on a LAN:
 * the device sends a SUBSCRIBE for the `ua-profile` event to the multicast address 224.0.1.75,
 * port 5060; a provisioning server answers 200 and sends a NOTIFY whose body is the URL of the
 * device's files (`Content-Type: application/url`). The device answers the NOTIFY with 200 and
 * takes the URL. SUBSCRIBE is sent again every second until the NOTIFY comes or the time is up.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';

export const PNP_ADDRESS = '224.0.1.75';
export const PNP_PORT = 5060;

export type PnpOptions = {
  mac: string;
  /** The device's address, for Via/From/Contact. */
  localIp: string;
  vendor: string;
  model: string;
  version: string;
  /** Where SUBSCRIBE goes (default 224.0.1.75:5060). */
  target?: { address: string; port: number };
  timeoutMs?: number;
  retransmitMs?: number;
};

const URL_IN_BODY = /\b(https?|ftp|tftp):\/\/[^\s<>"']+/i;

/** The URL a PnP server gave, or undefined when none answered in time. */
export function discoverPnp(opts: PnpOptions): Promise<string | undefined> {
  const target = opts.target ?? { address: PNP_ADDRESS, port: PNP_PORT };
  const id = opts.mac.replace(/[^0-9A-Fa-f]/g, '').toLowerCase();
  const tag = randomBytes(6).toString('hex');
  const callId = `${randomBytes(10).toString('hex')}@${opts.localIp}`;
  return new Promise((resolve) => {
    const sock = createSocket({ type: 'udp4', reuseAddr: true });
    let done = false;
    let cseq = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (url: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      sock.close();
      resolve(url);
    };
    const deadline = setTimeout(() => finish(undefined), opts.timeoutMs ?? 5000);
    const subscribe = () => {
      if (done) return;
      const port = sock.address().port;
      cseq++;
      const msg = [
        `SUBSCRIBE sip:${id}@${target.address} SIP/2.0`,
        `Via: SIP/2.0/UDP ${opts.localIp}:${port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
        'Max-Forwards: 20',
        `From: <sip:${id}@${opts.localIp}>;tag=${tag}`,
        `To: <sip:${id}@${target.address}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} SUBSCRIBE`,
        `Contact: <sip:${id}@${opts.localIp}:${port}>`,
        `Event: ua-profile;profile-type="device";vendor="${opts.vendor}";model="${opts.model}";version="${opts.version}"`,
        'Accept: application/url',
        'Expires: 0',
        `User-Agent: ${opts.vendor} ${opts.model} ${opts.version}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(msg, target.port, target.address);
      timer = setTimeout(subscribe, opts.retransmitMs ?? 1000);
    };
    sock.on('error', () => finish(undefined));
    sock.on('message', (buf: Buffer, from: RemoteInfo) => {
      const m = parseSip(buf.toString('utf8'));
      if (m?.method !== 'NOTIFY') return;
      if (!/^ua-profile\b/i.test(m.headers.event ?? '')) return;
      const reply = [
        'SIP/2.0 200 OK',
        ...m.raw.filter((h) => /^(via|from|to|call-id|cseq):/i.test(h)),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      const url = URL_IN_BODY.exec(m.body)?.[0];
      // close only once the 200 is out
      sock.send(reply, from.port, from.address, () => {
        if (url) finish(url);
      });
    });
    sock.bind(0, () => {
      try {
        sock.setMulticastTTL(1);
        sock.setMulticastLoopback(true);
      } catch {}
      subscribe();
    });
  });
}

type SipMessage = { method?: string; headers: Record<string, string>; raw: string[]; body: string };

function parseSip(text: string): SipMessage | undefined {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [start, ...lines] = head.split('\r\n');
  if (!start) return undefined;
  const req = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(start);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  return { ...(req ? { method: req[1] } : {}), headers, raw: lines, body };
}
