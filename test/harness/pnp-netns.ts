/**
 * Run inside a network namespace (with a multicast route on its loopback) by the PnP test: a SIP
 * PnP provisioning server the test writes (joins 224.0.1.75, answers a `ua-profile` SUBSCRIBE with
 * 200 and a NOTIFY carrying the URL, waits for the 200 to the NOTIFY), and the device's PnP
 * discovery against it. Prints one JSON line: the URL found and what the server saw.
 */
import { createSocket } from 'node:dgram';
import { discoverPnp } from '../../agent/provisioning/pnp.ts';

const URL_GIVEN = process.argv[2] ?? 'http://10.1.2.3/prov/';
const seen: { subscribe?: string; notifyAnswered?: string } = {};
const server = createSocket({ type: 'udp4', reuseAddr: true });
await new Promise<void>((r) => server.bind(5060, r));
server.addMembership('224.0.1.75', '127.0.0.1');
server.on('message', (buf, from) => {
  const text = buf.toString('utf8');
  if (text.startsWith('SIP/2.0 200') && text.includes('CSeq: 1 NOTIFY')) {
    seen.notifyAnswered = text;
    return;
  }
  if (!text.startsWith('SUBSCRIBE ') || !/\r\nEvent: ua-profile/i.test(text) || seen.subscribe) return;
  seen.subscribe = text;
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(text)?.[1] ?? '';
  const ok = ['SIP/2.0 200 OK', `Via: ${header('Via')}`, `From: ${header('From')}`, `To: ${header('To')};tag=srv1`];
  ok.push(`Call-ID: ${header('Call-ID')}`, `CSeq: ${header('CSeq')}`, 'Expires: 0', 'Content-Length: 0', '', '');
  server.send(ok.join('\r\n'), from.port, from.address);
  const contact = /<sip:[^@>]*@?([^:>]+):(\d+)>/.exec(header('Contact'));
  const body = `${URL_GIVEN}\r\n`;
  const notify = [
    `NOTIFY sip:${contact?.[1]}:${contact?.[2]} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsrv1`,
    'Max-Forwards: 20',
    `From: ${header('To')};tag=srv1`,
    `To: ${header('From')}`,
    `Call-ID: ${header('Call-ID')}`,
    'CSeq: 1 NOTIFY',
    'Event: ua-profile',
    'Subscription-State: terminated;reason=timeout',
    'Content-Type: application/url',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
  server.send(notify, Number(contact?.[2]), contact?.[1] ?? from.address);
});

const url = await discoverPnp({
  mac: '0C:11:05:AB:CD:01',
  localIp: '127.0.0.1',
  vendor: 'Portier',
  model: 'Portier DP1',
  version: '0.1.0',
  timeoutMs: 5000,
});
await new Promise((r) => setTimeout(r, 200)); // the 200 to the NOTIFY
server.close();
console.log(JSON.stringify({ url, ...seen }));
