#!/usr/bin/env node
// Entry of the `portier` command in a checkout: runs the TypeScript sources through tsx.
// (The device image runs a bundled build instead, see rootfs/.)
import { register } from 'tsx/esm/api';

register();
await import('../agent/cli.ts');
