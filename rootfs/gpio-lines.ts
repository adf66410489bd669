/**
 * Prints the lines of the emulated door phone's gpio-sim chip, one per line: `NAME out` for a relay,
 * `NAME in high|low` for an input (its active level). Taken from the default config, so the image's
 * chip carries exactly the line names the agent asks for. Used by rootfs/steps/agent.sh.
 */
import { defaultConfig } from '../agent/config/index.ts';

const c = defaultConfig();
const out = [
  '# gpio-sim lines of the emulated door phone (generated from the default config by rootfs/gpio-lines.ts)',
  ...c.relays.filter((r) => r.line).map((r) => `${r.line} out`),
  ...c.inputs.filter((i) => i.line).map((i) => `${i.line} in ${i.activeLevel}`),
];
process.stdout.write(`${out.join('\n')}\n`);
