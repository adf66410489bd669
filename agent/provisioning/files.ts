/**
 * The files of a run, from the server URL and the MAC: the common file, then `<MAC>.cfg` (MAC
 * without separators, lower case first, then upper case). A URL that names a file (its last
 * segment has a dot: `http://srv/door/site.cfg`) makes that file the common one; a URL that names
 * a directory (`http://srv/door/` or `tftp://10.0.0.1`) has the common file `common.cfg` in it.
 */
export const COMMON_FILE = 'common.cfg';

export type FilePlan = { common: URL; mac: URL[] };

export function planFiles(server: string, mac: string): FilePlan {
  const base = new URL(server);
  base.search = '';
  base.hash = '';
  const last = base.pathname.split('/').pop() ?? '';
  let dir: URL;
  let common: URL;
  if (last.includes('.')) {
    common = new URL(base.href);
    dir = new URL('.', base);
  } else {
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    dir = base;
    common = new URL(COMMON_FILE, dir);
  }
  const id = mac.replace(/[^0-9A-Fa-f]/g, '');
  const names = id ? [...new Set([id.toLowerCase(), id.toUpperCase()])] : [];
  return { common, mac: names.map((n) => new URL(`${n}.cfg`, dir)) };
}

/** The file name of a URL, as the record and the errors name it. */
export const fileName = (u: URL) => decodeURIComponent(u.pathname.split('/').pop() || u.pathname);

/** A URL for logs and the UI: the password left out. */
export function redact(u: URL | string): string {
  const url = new URL(u.toString());
  if (url.password) url.password = '***';
  return url.href;
}
