/** Picks the fetcher of a URL's scheme. */
import { fetchFtp } from './fetch-ftp.ts';
import { fetchHttp } from './fetch-http.ts';
import { fetchTftp } from './fetch-tftp.ts';
import { FetchError, type Fetcher } from './fetch-types.ts';

const FETCHERS: Record<string, Fetcher> = {
  'http:': fetchHttp,
  'https:': fetchHttp,
  'ftp:': fetchFtp,
  'tftp:': fetchTftp,
};

export const SCHEMES = Object.keys(FETCHERS).map((s) => `${s}//`);

export const fetchFile: Fetcher = async (url, opts) => {
  const f = FETCHERS[url.protocol];
  if (!f)
    throw new FetchError(`${url.protocol}// is not a provisioning scheme (use ${SCHEMES.join(', ')})`, 'protocol');
  return f(url, opts);
};
