/**
 * Digest nonces with a clock the test moves (no real time): a response within the nonce's 5
 * minutes passes, one after it is `stale` (the client gets a fresh challenge and retries), a
 * forged nonce or a wrong response is refused, MD5 and SHA-256 both check against stored HA1s.
 * The responses are made by the test harness's Digest client (written from RFC 7616).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DigestAlgorithm, DigestNonces, ha1, NONCE_TTL_MS } from '../../web/auth/digest.ts';
import { DigestClient } from '../harness/digest-client.ts';

const answer = (nonces: DigestNonces, alg: DigestAlgorithm, password: string, uri = '/api/system/info') => {
  const c = new DigestClient('http://x', { kind: 'digest', user: 'integrator', password, algorithm: alg });
  const challenge = nonces.challenges().find((x) => x.includes(`algorithm=${alg}`))!;
  // as the header of a 401 would carry it
  return { c, headers: new Headers({ 'www-authenticate': challenge }), uri };
};

describe('Digest nonces', () => {
  for (const alg of ['SHA-256', 'MD5'] as const) {
    it(`${alg}: fresh passes, stale after ${NONCE_TTL_MS / 60000} min, forged or wrong refused`, () => {
      let now = 1_700_000_000_000;
      const nonces = new DigestNonces(() => now);
      const stored = (user: string, a: DigestAlgorithm) =>
        user === 'integrator' ? ha1(a, 'integrator', 'the password') : undefined;
      const { c, headers, uri } = answer(nonces, alg, 'the password');
      c.useChallenge(headers);
      assert.deepEqual(nonces.check(c.authorization('GET', uri)!, 'GET', uri, stored), {
        ok: true,
        user: 'integrator',
      });
      now += NONCE_TTL_MS - 1;
      assert.equal(nonces.check(c.authorization('GET', uri)!, 'GET', uri, stored).ok, true);
      now += 2;
      assert.deepEqual(nonces.check(c.authorization('GET', uri)!, 'GET', uri, stored), { ok: false, reason: 'stale' });
      const wrong = answer(nonces, alg, 'not the password');
      wrong.c.useChallenge(wrong.headers);
      assert.deepEqual(nonces.check(wrong.c.authorization('GET', uri)!, 'GET', uri, stored), {
        ok: false,
        reason: 'wrong',
      });
      const forged = c.authorization('GET', uri)!.replace(/nonce="[^"]+"/, `nonce="${(now - 1000).toString(36)}.xxxx"`);
      assert.deepEqual(nonces.check(forged, 'GET', uri, stored), { ok: false, reason: 'malformed' });
      // a nonce made by another start of the agent (another secret) is not accepted either
      const other = new DigestNonces(() => now);
      assert.deepEqual(other.check(c.authorization('GET', uri)!, 'GET', uri, stored), {
        ok: false,
        reason: 'malformed',
      });
    });
  }
});
