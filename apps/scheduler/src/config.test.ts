import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from './config.js';

describe('parseEnv (scheduler)', () => {
  it('has no registry, no advertised URL and a 10g image cache by default', () => {
    const config = parseEnv({ DATA_DIR: '/srv/draas' });
    expect(config.registry).toBeNull();
    expect(config.advertiseUrl).toBeNull();
    expect(config.images).toEqual({ dir: path.join('/srv/draas', 'images'), cacheBytes: 10 * 1024 ** 3 });
  });

  it('reads the registry with its credentials, the advertised URL and the cache size', () => {
    const config = parseEnv({
      REGISTRY_URL: '127.0.0.1:5000',
      REGISTRY_USERNAME: 'ci',
      REGISTRY_PASSWORD: 'pw',
      SCHEDULER_URL: 'https://draas.example.com/',
      IMAGE_CACHE_SIZE: '512m',
    });
    expect(config.registry).toEqual({ server: '127.0.0.1:5000', prefix: '127.0.0.1:5000', auth: { username: 'ci', password: 'pw' } });
    expect(config.advertiseUrl).toBe('https://draas.example.com');
    expect(config.images.cacheBytes).toBe(512 * 1024 ** 2);
  });

  it.each([
    [{ REGISTRY_URL: 'https://' }, /REGISTRY_URL: .*registry host/],
    [{ REGISTRY_URL: 'r.example.com', REGISTRY_USERNAME: 'ci' }, /REGISTRY_PASSWORD: REGISTRY_USERNAME and REGISTRY_PASSWORD go together/],
    [{ SCHEDULER_URL: 'draas.example.com' }, /SCHEDULER_URL: must be an http/],
    [{ IMAGE_CACHE_SIZE: 'big' }, /IMAGE_CACHE_SIZE: /],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => parseEnv(env)).toThrow(message);
  });
});

describe('parseEnv (scheduler) with compose-style empty values', () => {
  it('reads VAR= as unset', () => {
    const config = parseEnv({ REGISTRY_URL: '', REGISTRY_USERNAME: '', REGISTRY_PASSWORD: '', SCHEDULER_URL: '', PORT: '' });
    expect(config.registry).toBeNull();
    expect(config.advertiseUrl).toBeNull();
    expect(config.port).toBe(5000);
  });
});
