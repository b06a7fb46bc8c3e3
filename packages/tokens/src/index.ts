export { ROLES, MIN_SECRET_LENGTH, issueToken, verifyToken, requireRole, type Role, type TokenClaims } from './tokens.js';
