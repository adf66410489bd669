/** 2N I/O API: /api/io/caps and /api/io/status (relay outputs and logic inputs, as ports). */
import type { RouteContext } from '../context.ts';
import type { Define } from './index.ts';

export function ioRoutes2n(define: Define, ctx: RouteContext): void {
  const { deps } = ctx;
  define('io/caps', 'read', () => {
    const c = deps.config.get();
    return {
      ports: [
        ...c.inputs.flatMap((x, i) => (x.enabled ? [{ port: `input${i + 1}`, type: 'input' }] : [])),
        ...c.relays.flatMap((x, i) => (x.enabled ? [{ port: `relay${i + 1}`, type: 'output' }] : [])),
      ],
    };
  });
  define('io/status', 'read', () => {
    const s = deps.services;
    return {
      ports: [
        ...(s.inputs?.states() ?? [])
          .filter((x) => x.enabled)
          .map((x) => ({ port: `input${x.index + 1}`, state: x.active ? 1 : 0 })),
        ...(s.relays?.states() ?? [])
          .filter((x) => x.enabled)
          .map((x) => ({ port: `relay${x.index + 1}`, state: x.on ? 1 : 0 })),
      ],
    };
  });
}
