import { readEnv } from '@callboard/runtime';
import { runSimulatorService } from './service.js';

await runSimulatorService(readEnv());
