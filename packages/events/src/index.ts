export * from './contract.js';
export * from './topics.js';
export * from './routes.js';
export * from './validate.js';
export * from './jsonl.js';
export * from './codec.js';
export { loadSchema, toAvro, fromAvro, type AvroRecordSchema } from './schemas.js';
export * from './records.js';
