/** Where paging audio is played: an ALSA device through aplay, or nowhere on a headless machine. */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../../../core/index.ts';

export interface AudioSink {
  /** 16-bit mono PCM at 8 kHz. */
  write(pcm: Int16Array): void;
  close(): void;
}

export type AudioSinkFactory = (label: string) => AudioSink;

/** Plays through ALSA device `device` (e.g. `default`, `plughw:0`) with aplay (alsa-utils). */
export function alsaSink(device: string, log: Logger): AudioSinkFactory {
  return (label) => {
    let child: ChildProcess | undefined = spawn(
      'aplay',
      ['-q', '-D', device, '-t', 'raw', '-f', 'S16_LE', '-r', '8000', '-c', '1'],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    child.on('error', (err) => {
      log.error({ err, device }, `cannot play page ${label}`);
      child = undefined;
    });
    child.stdin?.on('error', () => {}); // aplay gone: errors already logged
    return {
      write(pcm) {
        child?.stdin?.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
      },
      close() {
        child?.stdin?.end();
        child = undefined;
      },
    };
  };
}

/** A headless device has no speaker: the audio is dropped. */
export const nullSink: AudioSinkFactory = () => ({ write() {}, close() {} });
