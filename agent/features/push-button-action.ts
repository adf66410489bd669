/**
 * Push button action: on a press, besides calling, an HTTP GET to the configured URL, an email
 * through the SMTP server, an event record uploaded to the FTP server, and the action's relay
 * switched on, reset when the call is hung up or when the line is connected.
 */
import type { InputChanged } from '../../hal/types.ts';
import { Feature } from './support/feature.ts';
import { ftpUpload, httpGet, sendMail } from './support/outbound.ts';
import { deviceValues, expand } from './support/placeholders.ts';

export class PushButtonAction extends Feature {
  readonly name = 'push-button-action';
  /** The relay switched on by the last press, until its reset. */
  #heldRelay: number | undefined;

  protected subscribe(): void {
    this.on('input.changed', (e) => {
      if (e.role === 'push-button' && e.active) this.#press(e);
    });
    this.on('intercom.call', (e) => {
      const reset = this.config.intercom.pushButtonAction.relayReset;
      if (e.state === 'ended' || (e.state === 'connected' && reset === 'line-connected')) this.#resetRelay();
    });
  }

  #press(e: InputChanged): void {
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
    if (a.relay > 0 && this.deps.sip.calls().length === 0) {
      this.#heldRelay = a.relay - 1;
      this.deps.relays.set(this.#heldRelay, true, 'push button action');
    }
  }

  #resetRelay(): void {
    if (this.#heldRelay === undefined) return;
    this.deps.relays.set(this.#heldRelay, false, 'push button action reset');
    this.#heldRelay = undefined;
  }

  #send(what: string, p: Promise<unknown>): void {
    p.then(
      () => this.log.info(`push button action: ${what} sent`),
      (err) => this.log.warn({ err }, `push button action: ${what} failed`),
    );
  }
}
