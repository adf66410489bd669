/** Auto-provisioning from a server (docs/provisioning.md): the module, its service, its fetchers. */
export { formatRecord, runFromCli } from './cli-run.ts';
export { DHCP_OPTIONS_FILE, readDhcpOptions, urlFromOption66 } from './dhcp.ts';
export { fetchFile, SCHEMES } from './fetch.ts';
export { FetchError, type Fetcher, type FetchOptions, type FetchResult } from './fetch-types.ts';
export { COMMON_FILE, planFiles } from './files.ts';
export { discoverPnp, PNP_ADDRESS, PNP_PORT, type PnpOptions } from './pnp.ts';
export {
  FETCH_TIMEOUT_MS,
  MAX_FILE_BYTES,
  MAX_REDIRECTS,
  Provisioning,
  type ProvisioningDeps,
} from './provisioning.ts';
export { type AfterProvisioning, CHANGE_SOURCE, provision } from './run.ts';
export { jitter, powerOnDelay, type Random, repeatDelay } from './schedule.ts';
export { pickServer, type ServerUrl } from './sources.ts';
export { ProvisioningState } from './state.ts';
export type {
  FileRecord,
  ProvisioningService,
  ProvisioningStatus,
  RunOutcome,
  RunRecord,
  Started,
  Trigger,
  UrlSource,
} from './types.ts';
