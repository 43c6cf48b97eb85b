import { describe, expect, it } from 'vitest';
import { advertisedUrl } from './advertiser.js';

describe('advertisedUrl', () => {
  it('is SCHEDULER_URL when set', () => {
    expect(advertisedUrl('https://draas.example.com', '0.0.0.0', 5000)).toBe('https://draas.example.com');
  });

  it('is the listening address and port', () => {
    expect(advertisedUrl(null, '127.0.0.1', 5123)).toBe('http://127.0.0.1:5123');
    expect(advertisedUrl(null, '::1', 5000)).toBe('http://[::1]:5000');
  });

  it('is an address other machines can use when listening everywhere', () => {
    expect(advertisedUrl(null, '0.0.0.0', 5000)).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:5000$/);
  });
});
