/**
 * Push button action: on a press, besides calling, an HTTP GET to the configured URL, an email
 * through the SMTP server, an event record uploaded to the FTP server, and, when the press placed a
 * call, the action's relay switched on, reset when that call is hung up or when the line is connected.
 * It acts on the push button's `intercom.press` (which says whether the press placed a call), so it
 * does not depend on the order the features start in.
 */
import type { AgentEvents } from '../bus.ts';
import { Feature } from './support/feature.ts';
import { ftpUpload, httpGet, sendMail } from './support/outbound.ts';
import { deviceValues, expand } from './support/placeholders.ts';

type Press = AgentEvents['intercom.press'];

export class PushButtonAction extends Feature {
  readonly name = 'push-button-action';
  /** The relay switched on by a press, and the id of the call attempt that resets it. */
  #held: { relay: number; id: string } | undefined;

  protected subscribe(): void {
    this.on('intercom.press', (e) => this.#press(e));
    this.on('intercom.call', (e) => {
      if (e.id !== this.#held?.id) return;
      const reset = this.config.intercom.pushButtonAction.relayReset;
      if (e.state === 'ended' || (e.state === 'connected' && reset === 'line-connected')) this.#resetRelay();
    });
  }

  #press(e: Press): void {
    const config = this.config;
    const a = config.intercom.pushButtonAction;
    const now = this.deps.clock.now();
    const values: Record<string, string> = { ...deviceValues(config, this.deps.relays.states(), now), input: e.name };
    const record = [
      'event=push-button',
      `time=${values.time}`,
      `device=${config.identity.name}`,
      `model=${config.identity.model}`,
      `mac=${config.identity.mac}`,
      `location=${config.identity.location}`,
      `input=${e.name}`,
      '',
    ].join('\n');
    if (a.http && a.httpUrl) this.#send('HTTP URL', httpGet(expand(a.httpUrl, values, { url: true })));
    if (a.email) {
      const subject = expand(config.smtp.subject, values);
      this.#send('email', sendMail(config.smtp, { subject, text: record }));
    }
    if (a.ftp) {
      const name = `${config.identity.mac.replaceAll(':', '') || 'portier'}-${(values.time ?? '').replace(/[:.]/g, '-')}.txt`;
      this.#send('FTP', ftpUpload(config.ftp, name, record));
    }
    if (a.relay > 0 && e.startedCall && e.id) this.#switchOn(a.relay - 1, e.id);
  }

  #switchOn(relay: number, id: string): void {
    if (this.#held && this.#held.relay !== relay) this.#resetRelay();
    try {
      this.deps.relays.set(relay, true, 'push button action');
      this.#held = { relay, id };
    } catch (err) {
      this.log.error({ err, relay: relay + 1 }, `push button action: relay ${relay + 1} could not be switched on`);
    }
  }

  #resetRelay(): void {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    try {
      this.deps.relays.set(held.relay, false, 'push button action reset');
    } catch (err) {
      this.log.error({ err, relay: held.relay + 1 }, `push button action: relay ${held.relay + 1} could not be reset`);
    }
  }

  #send(what: string, p: Promise<unknown>): void {
    p.then(
      () => this.log.info(`push button action: ${what} sent`),
      (err) => this.log.warn({ err }, `push button action: ${what} failed`),
    );
  }
}
