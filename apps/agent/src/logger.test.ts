import { describe, expect, it } from 'vitest';
import { maskRedisUrl } from './logger.js';

describe('maskRedisUrl', () => {
  it.each([
    ['redis://draas:s3cret@127.0.0.1:6379', 'redis://draas:***@127.0.0.1:6379'],
    ['redis://:s3cret@host:1/2', 'redis://:***@host:1/2'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['not a url s3cret', '(unparseable url)'],
  ])('%s', (input, expected) => {
    expect(maskRedisUrl(input)).toBe(expected);
    expect(maskRedisUrl(input)).not.toContain('s3cret');
  });
});
