/**
 * Runs a BaresipEngine in a process of its own until killed (to test what a killed agent leaves):
 *   node --import tsx test/harness/engine-process.ts <dir> <sipPort>
 * Prints "ready <baresip pid>" once started.
 */
import { RealClock, silentLogger } from '../../core/index.ts';
import { BaresipEngine } from '../../sip/index.ts';

const [dir, port] = process.argv.slice(2);
const engine = new BaresipEngine(
  {
    listenAddress: '127.0.0.1',
    sipPort: Number(port),
    rtpPortMin: 40000,
    rtpPortMax: 40019,
    audioDevice: '',
    directIp: true,
    displayName: 'Killed agent',
  },
  { log: silentLogger(), clock: new RealClock(), dir: dir! },
);
await engine.start();
console.log(`ready ${engine.pid}`);
setInterval(() => undefined, 60_000);
