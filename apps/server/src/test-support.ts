// Helpers shared by the server's tests (excluded from the build).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type LockscopeApp } from './app.js';
import { defaultConfig, type ServerConfig } from './config.js';
import type { ViewerSocket } from './runs/viewer.js';

export function tempDir(prefix = 'lockscope-server-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...defaultConfig(), port: 0, dataDir: tempDir(), webDir: tempDir('lockscope-web-'), logLevel: 'silent', ...overrides };
}

/** A socket that records what it is sent; `bufferedAmount` is set by the test to simulate a slow reader. */
export class FakeSocket implements ViewerSocket {
  readyState: 0 | 1 | 2 | 3 = 1;
  bufferedAmount = 0;
  readonly binary: Uint8Array[] = [];
  readonly text: string[] = [];
  private readonly callbacks: ((error?: Error) => void)[] = [];

  send(data: unknown, options?: unknown, cb?: (error?: Error) => void): void {
    const callback = typeof options === 'function' ? (options as (error?: Error) => void) : cb;
    if (typeof data === 'string') this.text.push(data);
    else if (data instanceof Uint8Array) this.binary.push(data);
    else throw new Error('FakeSocket: unexpected payload');
    if (callback) this.callbacks.push(callback);
  }

  /** Simulates the kernel taking every queued byte. */
  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.callbacks.splice(0)) cb();
  }

  close(): void {
    this.readyState = 3;
  }

  json<T = Record<string, unknown>>(): T[] {
    return this.text.map((t) => JSON.parse(t) as T);
  }
}

/** Builds apps for a test file and closes them all after each test (`afterEach(apps.closeAll)`). */
export function testApps(): { app(overrides?: Partial<ServerConfig>): LockscopeApp; closeAll(): Promise<void> } {
  const built: LockscopeApp[] = [];
  return {
    app(overrides = {}) {
      const a = buildApp(testConfig(overrides));
      built.push(a);
      return a;
    },
    async closeAll() {
      await Promise.all(built.splice(0).map((a) => a.close()));
    },
  };
}
