import { describe, expect, it } from 'vitest';
import { parseRegistryUrl, pullable, registryImageRef, registryOf, splitImageRef } from './registry.js';

describe('parseRegistryUrl', () => {
  it.each([
    ['127.0.0.1:5000', { server: '127.0.0.1:5000', prefix: '127.0.0.1:5000' }],
    ['https://registry.example.com/', { server: 'registry.example.com', prefix: 'registry.example.com' }],
    ['http://localhost:5000/team/apps', { server: 'localhost:5000', prefix: 'localhost:5000/team/apps' }],
    ['[::1]:5000', { server: '[::1]:5000', prefix: '[::1]:5000' }],
  ])('%s', (input, expected) => {
    expect(parseRegistryUrl(input)).toEqual(expected);
  });

  it.each([
    ['', 'registry host'],
    ['-bad.example.com', 'registry host'],
    ['registry.example.com:99999', 'port 99999'],
    ['registry.example.com/Team', 'namespace part "Team"'],
    ['ftp://registry.example.com', 'registry host'],
  ])('refuses %j, naming %s', (input, part) => {
    expect(() => parseRegistryUrl(input)).toThrow(part);
  });
});

describe('image references', () => {
  it('tells the registry part the way Docker does', () => {
    expect(registryOf('nginx:1.27')).toBeNull();
    expect(registryOf('library/nginx')).toBeNull();
    expect(registryOf('draas/web:abc')).toBeNull();
    expect(registryOf('localhost/web')).toBe('localhost');
    expect(registryOf('127.0.0.1:5000/draas/web:abc')).toBe('127.0.0.1:5000');
    expect(registryOf('ghcr.io/team/web:1')).toBe('ghcr.io');
  });

  it('splits a reference into repository and tag, a registry port not being a tag', () => {
    expect(splitImageRef('draas/web:abc')).toEqual({ repo: 'draas/web', tag: 'abc' });
    expect(splitImageRef('127.0.0.1:5000/draas/web:abc')).toEqual({ repo: '127.0.0.1:5000/draas/web', tag: 'abc' });
    expect(splitImageRef('127.0.0.1:5000/draas/web')).toEqual({ repo: '127.0.0.1:5000/draas/web', tag: 'latest' });
    expect(splitImageRef('nginx')).toEqual({ repo: 'nginx', tag: 'latest' });
  });

  it('pushes builds under the registry prefix, and never pulls a local build tag', () => {
    const ref = registryImageRef(parseRegistryUrl('registry.example.com/team'), 'web', 'abcdefabcdef');
    expect(ref).toBe('registry.example.com/team/draas/web:abcdefabcdef');
    expect(pullable(ref)).toBe(true);
    expect(pullable('draas/web:abcdefabcdef')).toBe(false);
    expect(pullable('nginx:1.27')).toBe(true);
  });
});
