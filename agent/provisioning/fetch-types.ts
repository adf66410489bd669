/** What every fetcher (one per URL scheme) takes and gives. */

export type FetchOptions = {
  /** The whole fetch (connect, request, body) must end within this. */
  timeoutMs: number;
  /** A file larger than this is refused without reading it all. */
  maxBytes: number;
  /** HTTP(S): redirects followed at most. */
  maxRedirects: number;
  /** HTTPS: PEM of a private CA (added to the system store); undefined = the system store only. */
  ca?: string;
  /** FTP (and HTTP Basic): used when the URL carries no user. */
  username?: string;
  password?: string;
};

/** The file's content, or `missing` (HTTP 404/410, FTP 550, TFTP "file not found"). */
export type FetchResult = { kind: 'ok'; data: Buffer } | { kind: 'missing'; reason: string };

export type Fetcher = (url: URL, opts: FetchOptions) => Promise<FetchResult>;

/** A fetch that failed; the message is meant for people (logs, UI) and names what went wrong. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly code: 'timeout' | 'too-large' | 'redirect' | 'tls' | 'dns' | 'refused' | 'protocol' | 'network',
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
]);

/** A clear message for a socket-level error (DNS, refused, TLS ...), naming the host. */
export function networkError(err: unknown, url: URL): FetchError {
  if (err instanceof FetchError) return err;
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const host = url.host;
  const code = e?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL')
    return new FetchError(`DNS: cannot resolve the host name "${url.hostname}" (${code})`, 'dns');
  if (code === 'ECONNREFUSED') return new FetchError(`connection refused by ${host}`, 'refused');
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))
    return new FetchError(
      `TLS: the certificate of ${host} is not trusted (${code}${e.reason ? `: ${e.reason}` : ''}); for a private CA set Config.Autoprovision.SERVER.CaFile`,
      'tls',
    );
  if (code === 'ECONNRESET') return new FetchError(`connection to ${host} reset by the server`, 'network');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new FetchError(`${host} is unreachable (${code})`, 'network');
  return new FetchError(`${host}: ${e?.message ?? String(err)}`, 'network');
}

export const tooLarge = (url: URL, max: number) =>
  new FetchError(
    `${url.pathname.split('/').pop() || url.href} is larger than ${formatBytes(max)}: refused`,
    'too-large',
  );

export const timedOut = (url: URL, ms: number) =>
  new FetchError(`${url.host} did not answer within ${ms / 1000} s (timed out)`, 'timeout');

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}
