export { createIngestHttp, EVENTS_PATH, OPENAPI_PATH, DLQ_SOURCE, type IngestHttp, type IngestHttpDeps } from './ingest-http.js';
export { loadIngestHttpConfig, INGEST_HTTP_DEFAULTS, type IngestHttpConfig, type IngestLimits } from './config.js';
export { TokenBuckets, type TakeResult } from './token-bucket.js';
export { jsonLinesItems, jsonArrayItems, checkItems, type BodyItem, type RejectedLine } from './body.js';
