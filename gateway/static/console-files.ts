/**
 * The web console's static files, read into memory at start-up from `gateway/console/`.
 * Only files found there then can be served, so no request path can reach outside the
 * folder (`..`, encoded slashes and NUL bytes simply find nothing).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export const CONSOLE_DIR = join(import.meta.dirname, '..', 'console');
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export class ConsoleFiles {
  private readonly files = new Map<string, StaticFile>();

  constructor(root: string = CONSOLE_DIR) {
    this.load(root, root);
  }

  /** `/` and `/console/` give index.html; unknown paths give undefined (404). */
  lookup(urlPath: string): StaticFile | undefined {
    const path = urlPath === '/' || urlPath === '' ? '/index.html' : urlPath;
    return (
      this.files.get(path) ?? (path.endsWith('/') ? this.files.get(`${path}index.html`) : undefined)
    );
  }

  get paths(): string[] {
    return [...this.files.keys()];
  }

  private load(root: string, dir: string): void {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no console folder: nothing to serve
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) this.load(root, full);
      else if (e.isFile()) {
        const body = readFileSync(full);
        if (body.byteLength > MAX_FILE_BYTES) continue;
        const url = `/${relative(root, full).split(sep).join('/')}`;
        this.files.set(url, {
          body,
          contentType: contentTypes[extname(e.name).toLowerCase()] ?? 'application/octet-stream',
        });
      }
    }
  }
}
