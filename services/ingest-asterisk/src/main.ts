import { readEnv } from '@callboard/runtime';
import { runAsteriskIngestService } from './service.js';

await runAsteriskIngestService(readEnv());
