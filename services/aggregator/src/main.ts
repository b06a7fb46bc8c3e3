import { readEnv } from '@callboard/runtime';
import { runAggregatorService } from './service.js';

await runAggregatorService(readEnv());
