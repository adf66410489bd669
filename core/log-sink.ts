import { writeSync } from 'node:fs';

/** Where log lines go: a Writable, or anything with `write(line)`. */
export type LogDestination = { write(line: string): unknown };

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Standard output written synchronously (fs.writeSync on fd 1, as pino's default does), so that
 * the lines logged just before a crash or `process.exit()` are out. When fd 1 is a non-blocking pipe
 * that is full, it waits and retries (the reader catches up) rather than losing or reordering lines.
 * A closed stdout (EPIPE, EBADF) drops the line: logging never throws. No handle, no listener.
 */
export function stdoutSink(fd = 1): LogDestination {
  return {
    write(line: string) {
      let buf = Buffer.from(line);
      while (buf.length > 0) {
        try {
          buf = buf.subarray(writeSync(fd, buf));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return;
          Atomics.wait(pause, 0, 0, 10);
        }
      }
    },
  };
}
