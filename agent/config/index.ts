/** The device configuration: schema, store, autop codec and value text. */
export {
  type AutopEntry,
  type AutopProblem,
  type AutopResult,
  formatAutopProblems,
  parseAutop,
  readAutop,
  writeAutop,
} from './autop.ts';
export { jsonSchema } from './json-schema.ts';
export { MIGRATIONS, type Migration } from './migrations.ts';
export { changedKeys, mergePatch } from './patch.ts';
export { findLeaf, getAt, keyToPath, type Leaf, leaves, type Path, pathToKey, setAt } from './paths.ts';
export * from './schema/index.ts';
export { type ConfigChange, ConfigStore, type LoadReport, StoreError } from './store.ts';
export { ConfigError, formatProblems, type Problem, validateConfig } from './validate.ts';
export { decodeValue, encodeValue } from './values.ts';
