export { parseQueueLogLine, MAX_LINE_LENGTH, type QueueLogLine, type LineParse } from './queue-log-line.js';
export { createQueueLogMapper, type QueueLogMapper } from './queue-log-mapper.js';
export { parseAmiMessage } from './ami-message.js';
export { createAmiMapper, type AmiMapper } from './ami-mapper.js';
export { encodeName, decodeName, loadNameMap, queueIdOf, agentIdOf, EMPTY_NAME_MAP, type NameMap } from './names.js';
export { callIdOf, callEventIdOf, callerKeyOf, MAX_ID_LENGTH } from './ids.js';
export type { AsteriskMapperOptions, MapOutcome } from './options.js';
