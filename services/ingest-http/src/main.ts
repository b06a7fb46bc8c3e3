import { readEnv } from '@callboard/runtime';
import { runIngestHttpService } from './service.js';

await runIngestHttpService(readEnv());
