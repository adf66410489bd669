/** A TCP port free on an address right now (the kernel picks it). */
import { createServer } from 'node:net';

export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error(`no free TCP port on ${host}`))));
    });
  });
}
