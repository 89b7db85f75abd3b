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
    const c = loadConfig({ PORT: '9000', HOST: '0.0.0.0', LOCKSCOPE_DATA_DIR: '/tmp/x', LOCKSCOPE_UPLOAD_LIMIT: '1048576', LOCKSCOPE_MAX_RUNS: '3' });
    expect(c).toMatchObject({ port: 9000, host: '0.0.0.0', dataDir: '/tmp/x', uploadLimit: 1048576, maxRuns: 3 });
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
});
