/**
 * The far end of calls in benchmarks that measure the agent's own process: a baresip on direct IP
 * (`sip:peer@127.0.0.1:<port>`) that answers every call by itself, in its own process, with no
 * control client and its output discarded, so that nothing of it is kept in the measured process.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildConfig, DEFAULT_MODULE_PATH, listModules } from '../../sip/baresip/config-file.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../../test/harness/ports.ts';

export type AnsweringPeer = { uri: string; pid: number; stop(): Promise<void> };

export async function startAnsweringPeer(dir: string): Promise<AnsweringPeer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  const sipPort = await freeSipPort(2);
  const settings = {
    listenAddress: '127.0.0.1',
    sipPort,
    rtpPortMin,
    rtpPortMax,
    audioDevice: '',
    directIp: true,
    displayName: 'Peer',
  };
  const modules = await listModules(DEFAULT_MODULE_PATH);
  const ctrlPort = await freeTcpPort();
  // the engine's config adds accounts over ctrl_tcp; this peer reads its one account from the file
  const config = buildConfig({ settings, ctrlPort, modulePath: DEFAULT_MODULE_PATH, modules }).replace(
    'module_tmp uuid.so',
    'module_tmp uuid.so\nmodule_tmp account.so',
  );
  if (!config.includes('module_tmp account.so'))
    throw new Error('answering peer: no place for account.so in the config');
  await writeFile(join(dir, 'config'), config);
  const uri = `sip:peer@127.0.0.1:${sipPort}`;
  await writeFile(join(dir, 'accounts'), `<${uri}>;regint=0;answermode=auto\n`);
  const child = spawn('baresip', ['-f', dir], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('answering peer: could not start baresip');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {}
  };
  process.once('exit', kill);
  // ready once its SIP port is taken (it listens before it reads the accounts)
  for (let i = 0; i < 200 && (await portFree(sipPort)); i++) await new Promise((r) => setTimeout(r, 25));
  return {
    uri,
    pid: child.pid,
    async stop() {
      process.off('exit', kill);
      kill();
      await exited;
    },
  };
}

async function portFree(port: number): Promise<boolean> {
  const { createSocket } = await import('node:dgram');
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
