import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pathOf, sendError } from './http-util.js';

/** Where `pnpm --filter @callboard/gateway build` (vite build wallboard) writes the wallboard. */
export const WALLBOARD_DIST = fileURLToPath(new URL('../wallboard/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built wallboard: `/` and `/wallboard` answer index.html (never cached, so a TV picks
 * up a new build on reload), `/assets/*` the content-hashed bundles (cached for a year, immutable).
 * Paths that leave the dist folder are refused. Returns false for paths it does not own.
 */
export function createStaticHandler(distDir: string = WALLBOARD_DIST): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const root = resolve(distDir);
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = pathOf(req);
    let file: string;
    let immutable = false;
    if (path === '/' || path === '/index.html' || path === '/wallboard' || path === '/wallboard/') {
      file = resolve(root, 'index.html');
    } else if (path.startsWith('/assets/')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(path);
      } catch {
        sendError(res, 400, 'invalid', 'bad path encoding');
        return true;
      }
      file = resolve(root, `.${decoded}`);
      // Refuse traversal (`/assets/../../x`, encoded or not) and NUL bytes.
      if (decoded.includes('\0') || !file.startsWith(`${resolve(root, 'assets')}${sep}`)) {
        sendError(res, 404, 'not_found', 'no such asset');
        return true;
      }
      immutable = true;
    } else {
      return false;
    }
    let body: Buffer;
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      body = await readFile(file);
    } catch {
      if (immutable) sendError(res, 404, 'not_found', 'no such asset');
      else {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end('The wallboard is not built: run pnpm build (pnpm --filter @callboard/gateway build).\n');
      }
      return true;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
