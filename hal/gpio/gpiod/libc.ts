/**
 * The raw system calls of the gpiod driver, called through koffi (no compiler needed): ioctl on the
 * chip and request file descriptors, poll run on a koffi worker thread so that waiting for edges
 * never blocks the event loop, and an eventfd to wake that poll. Files are opened, read and closed
 * with node:fs. koffi is loaded on first use only, so the sim driver never needs it.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

export type Libc = {
  /** ioctl(fd, request, buf); throws an Error with the errno name on failure. */
  ioctl(fd: number, request: number, buf: Buffer): number;
  /** poll(2) on a worker thread; resolves with the pollfd buffer's revents filled in. */
  pollAsync(fds: Buffer, count: number, timeoutMs: number): Promise<number>;
  eventfd(): number;
  open(path: string): number;
  read(fd: number, buf: Buffer): number;
  write(fd: number, buf: Buffer): void;
  close(fd: number): void;
};

export class SyscallError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(call: string, errno: number, code: string) {
    super(`${call} failed: ${code} (errno ${errno})`);
    this.code = code;
    this.errno = errno;
  }
}

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

let loaded: Promise<Libc> | undefined;

export function loadLibc(): Promise<Libc> {
  loaded ??= bind();
  return loaded;
}

async function bind(): Promise<Libc> {
  const koffi = (await import('koffi')).default;
  const lib = koffi.load('libc.so.6');
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, void *arg)');
  const poll = lib.func('int poll(void *fds, unsigned long nfds, int timeout)');
  const eventfd = lib.func('int eventfd(unsigned int initval, int flags)');
  const names = new Map<number, string>(Object.entries(koffi.os.errno).map(([k, v]) => [v as number, k]));
  const fail = (call: string): never => {
    const errno = koffi.errno();
    throw new SyscallError(call, errno, names.get(errno) ?? `E${errno}`);
  };
  return {
    ioctl(fd, request, buf) {
      const r = ioctl(fd, request, buf) as number;
      if (r < 0) fail(`ioctl 0x${request.toString(16)}`);
      return r;
    },
    pollAsync(fds, count, timeoutMs) {
      return new Promise((resolve, reject) => {
        poll.async(fds, count, timeoutMs, (err: unknown, r: number) => (err ? reject(err) : resolve(r)));
      });
    },
    eventfd() {
      const fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) as number;
      if (fd < 0) fail('eventfd');
      return fd;
    },
    open: (path) => openSync(path, 'r+'),
    read: (fd, buf) => readSync(fd, buf, 0, buf.length, null),
    write: (fd, buf) => {
      writeSync(fd, buf);
    },
    close: (fd) => closeSync(fd),
  };
}
