/**
 * The HTTP API as the UI uses it: JSON envelope, CSRF header on every state change, errors as values.
 * Every request says it comes from the web UI (`x-portier-ui`: a firmware update records its source).
 */

export type Problem = { key: string; message: string; autop?: string; line?: number | null };

export class ApiFailure extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
  get problems(): Problem[] {
    return (this.details.problems as Problem[] | undefined) ?? [];
  }
}

type Options = { body?: unknown; text?: string; query?: Record<string, string | number | undefined> };

export class Api {
  csrf = '';
  /** Called when a request answers 401 (the session ended). */
  onUnauthorized: () => void = () => {};

  get<T>(path: string, query?: Options['query']): Promise<T> {
    return this.call<T>('GET', path, { query });
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, { body: body ?? {} });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, { body });
  }
  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path, {});
  }

  async call<T>(method: string, path: string, opts: Options = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-portier-ui': '1' };
    if (method !== 'GET') headers['x-csrf-token'] = this.csrf;
    let body: string | undefined;
    if (opts.text !== undefined) {
      headers['content-type'] = 'text/plain; charset=utf-8';
      body = opts.text;
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const q = Object.entries(opts.query ?? {}).filter(([, v]) => v !== undefined);
    const url = `/api/v1${path}${q.length ? `?${new URLSearchParams(q.map(([k, v]) => [k, String(v)]))}` : ''}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, credentials: 'same-origin' });
    } catch {
      throw new ApiFailure(0, 'network', 'the device does not answer', {});
    }
    const doc = (await res.json().catch(() => undefined)) as
      | { success: true; result: T }
      | { success: false; error: { code: string; message: string } & Record<string, unknown> }
      | undefined;
    if (doc?.success) return doc.result;
    const err = doc && !doc.success ? doc.error : { code: 'internal', message: `HTTP ${res.status}` };
    if (res.status === 401 && err.code === 'unauthorized') this.onUnauthorized();
    throw new ApiFailure(res.status, err.code, err.message, err);
  }
}

export const api = new Api();
