import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * serveStatic answers `/` with the UI's index.html and `/assets/…` with the files under `<dir>/assets`; false when the
 * path is neither (or leaves the folder), for the caller to answer 404.
 */
export async function serveStatic(dir: string, path: string, res: ServerResponse): Promise<boolean> {
  let file: string;
  if (path === '/' || path === '/index.html') file = join(dir, 'index.html');
  else if (path.startsWith('/assets/')) {
    const relative = normalize(decodeURIComponent(path.slice(1)));
    // normalize() resolves `..`: what is left must still be inside assets/.
    if (!relative.startsWith(`assets${sep}`)) return false;
    file = join(dir, relative);
  } else return false;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    // The UI changes with the console; a reload must get the new one.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
  return true;
}
