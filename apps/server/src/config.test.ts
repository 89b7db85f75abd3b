import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses the documented defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c).toEqual(defaultConfig());
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.uploadLimit).toBe(256 * 1024 * 1024);
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.webDir.endsWith('apps/web/dist')).toBe(true);
  });

  it('reads PORT, HOST, LOCKSCOPE_DATA_DIR and the limits', () => {
    const c = loadConfig({ PORT: '9000', HOST: '0.0.0.0', LOCKSCOPE_TOKEN: 'a-token-of-16-chars', LOCKSCOPE_DATA_DIR: '/tmp/x', LOCKSCOPE_UPLOAD_LIMIT: '1048576', LOCKSCOPE_MAX_RUNS: '3' });
    expect(c).toMatchObject({ port: 9000, host: '0.0.0.0', token: 'a-token-of-16-chars', dataDir: '/tmp/x', uploadLimit: 1048576, maxRuns: 3 });
    expect(loadConfig({ LOCKSCOPE_ALLOWED_ORIGINS: 'https://a.example, http://b.example:8000' }).allowedOrigins).toEqual(['https://a.example', 'http://b.example:8000']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOCKSCOPE_UPLOAD_LIMIT', '-1'],
    ['LOCKSCOPE_UPLOAD_LIMIT', '1.5'],
    ['HOST', 'a b'],
    ['LOCKSCOPE_LOG_LEVEL', 'loud'],
    ['LOCKSCOPE_ALLOWED_ORIGINS', 'https://a.example/path'],
    ['LOCKSCOPE_SIM_THREAD', 'yes'],
    ['LOCKSCOPE_TOKEN', 'short'],
    ['LOCKSCOPE_AUTH', 'maybe'],
    ['LOCKSCOPE_ALLOWED_HOSTS', 'a host'],
  ])('rejects %s=%s with an error naming the variable', (name, value) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(name);
  });

  it('requires LOCKSCOPE_TOKEN when HOST is not loopback, unless LOCKSCOPE_AUTH=none (it served anyone before)', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.5']) {
      let caught: unknown;
      try {
        loadConfig({ HOST: host });
      } catch (error) {
        caught = error;
      }
      expect(caught, host).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).variable).toBe('LOCKSCOPE_TOKEN');
      expect(loadConfig({ HOST: host, LOCKSCOPE_AUTH: 'none' }).token).toBeNull();
    }
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.1.1']) expect(loadConfig({ HOST: host }).token).toBeNull();
    expect(loadConfig({ LOCKSCOPE_TOKEN: 'x'.repeat(20) }).token).toBe('x'.repeat(20));
  });
});
