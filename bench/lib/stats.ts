/** Small helpers shared by the benchmarks: percentiles and printing. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function fmt(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

/** Prints one figure next to its reference measured in the same run. */
export function report(name: string, value: number, reference: { name: string; value: number }): void {
  console.log(
    `${name.padEnd(48)} ${fmt(value).padStart(10)}   reference (${reference.name}): ${fmt(reference.value)}   ratio ${(value / reference.value).toFixed(1)}x`,
  );
}

export async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
