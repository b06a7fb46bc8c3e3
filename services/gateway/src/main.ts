import { readEnv } from '@callboard/runtime';
import { runGatewayService } from './service.js';

await runGatewayService(readEnv());
