/**
 * How the image starts the agent's node, read from its start script
 * (rootfs/overlay/etc/portier/agent-run), so that benches and tests run the device build exactly so:
 * `NODE_FLAGS="..."` (V8 flags) and `MALLOC_TUNABLES="..."` (given to node as GLIBC_TUNABLES).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const AGENT_RUN = fileURLToPath(new URL('overlay/etc/portier/agent-run', import.meta.url));

async function value(name: string): Promise<string> {
  const text = await readFile(AGENT_RUN, 'utf8');
  const m = new RegExp(`^${name}="([^"]*)"`, 'm').exec(text);
  if (!m) throw new Error(`${AGENT_RUN}: no ${name}="..." line`);
  return m[1] ?? '';
}

/** The V8 flags of the device's node. */
export async function agentNodeFlags(): Promise<string[]> {
  return (await value('NODE_FLAGS')).split(/\s+/).filter(Boolean);
}

/** The environment the device's node gets beyond the usual (glibc's malloc tunables). */
export async function agentNodeEnv(): Promise<Record<string, string>> {
  const tunables = await value('MALLOC_TUNABLES');
  return tunables ? { GLIBC_TUNABLES: tunables } : {};
}
