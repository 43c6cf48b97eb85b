import { describe, expect, it } from 'vitest';
import { AgentId } from '@draas/queue-contracts';
import { makeAgentId } from './agent-id.js';

describe('makeAgentId', () => {
  it.each([
    ['web-01', 'web-01-a1b2c3'],
    ['Web_01.example.COM', 'web-01-example-com-a1b2c3'],
    ['--', 'agent-a1b2c3'],
    ['', 'agent-a1b2c3'],
    ['x'.repeat(100), `${'x'.repeat(56)}-a1b2c3`],
  ])('%s → %s', (hostname, expected) => {
    const id = makeAgentId(hostname, 'a1b2c3');
    expect(id).toBe(expected);
    expect(AgentId.safeParse(id).success).toBe(true);
  });
});
