import { readEnv } from '@callboard/runtime';
import { runAlerterService } from './service.js';

await runAlerterService(readEnv());
