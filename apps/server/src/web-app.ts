// The built web app (apps/web/dist): its index.html is what `/`, `/r/:id` and `/s` serve.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lockscope</title></head>
<body><h1>Lockscope</h1>
<p>The server is running, but the web app has not been built. Build it with
<code>pnpm --filter @lockscope/web build</code>, or set <code>LOCKSCOPE_WEB_DIR</code>.</p>
<p>The HTTP API is under <a href="/api/health">/api</a>.</p></body></html>
`;

export class WebApp {
  private cached: { mtimeMs: number; html: string } | undefined;

  constructor(readonly dir: string) {}

  get built(): boolean {
    return existsSync(join(this.dir, 'index.html'));
  }

  /** index.html of the built app (re-read when it changes), or a page saying it is not built. */
  indexHtml(): string {
    const file = join(this.dir, 'index.html');
    try {
      const mtimeMs = statSync(file).mtimeMs;
      if (this.cached?.mtimeMs !== mtimeMs) this.cached = { mtimeMs, html: readFileSync(file, 'utf8') };
      return this.cached.html;
    } catch {
      return PLACEHOLDER;
    }
  }
}
