export { ROLES, SECRET_VARIABLE, MIN_SECRET_LENGTH, issueToken, verifyToken, requireRole, assertIngestSecretsApart, type Role, type TokenClaims } from './tokens.js';
