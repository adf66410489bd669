/** Runs a command for RAUC's CLI: output lines as they come (stdout and stderr), the exit code. */
import { spawn } from 'node:child_process';
import type { Exec } from './rauc.ts';

export const execCommand: Exec = (command, args, onLine, signal) =>
  new Promise((resolve) => {
    // a signal (a cancel) ends the command with SIGTERM
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let output = '';
    let partial = '';
    const take = (d: Buffer) => {
      const text = d.toString('utf8');
      output += text;
      const lines = (partial + text).replaceAll('\r', '\n').split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine?.(l);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => resolve({ code: 127, output: `${command}: ${err.message}` }));
    child.on('close', (code) => {
      if (partial) onLine?.(partial);
      resolve({ code: code ?? 1, output });
    });
  });
