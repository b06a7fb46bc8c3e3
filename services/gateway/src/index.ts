export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { loadGatewayConfig, GATEWAY_DEFAULTS, type GatewayConfig, type GatewayLimits } from './config.js';
export { issueToken, verifyToken, ROLES, MIN_SECRET_LENGTH, type Role, type TokenClaims } from './auth.js';
export { GatewayError, GATEWAY_REASONS, HTTP_STATUS, CLOSE_CODES, PROTOCOL_ERROR_CODES, type GatewayReason, type ProtocolErrorCode } from './errors.js';
export { Hub, PROTOCOL_VERSION, type HubClient, type HubOptions, type AlertRecord } from './hub.js';
export { WS_PATH, SUBPROTOCOL } from './ws-server.js';
