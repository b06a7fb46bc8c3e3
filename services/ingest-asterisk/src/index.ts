export { createAsteriskIngest, type AsteriskIngest, type AsteriskIngestDeps } from './ingest.js';
export { loadAsteriskIngestConfig, ASTERISK_INGEST_DEFAULTS, type AsteriskIngestConfig, type AmiConfig } from './config.js';
export { QueueLogTailer, type TailStep, type TailLine } from './tailer.js';
export { StateStore, type IngestState } from './state-store.js';
export { AmiClient, AmiFramer, amiField } from './ami-client.js';
export type { FilePosition } from './file-position.js';
export { parseStartFrom, type StartFrom } from './start-from.js';
