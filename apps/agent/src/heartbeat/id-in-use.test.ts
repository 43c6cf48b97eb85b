import { describe, expect, it } from 'vitest';
import { otherConnections } from './id-in-use.js';

const clientList = [
  'id=7 addr=10.0.0.5:40112 laddr=10.0.0.1:6379 fd=9 name=draas-agent-node-1-commands age=300 idle=0 flags=N db=0 cmd=set',
  'id=9 addr=127.0.0.1:51000 laddr=127.0.0.1:6379 fd=11 name=draas-agent-node-1-worker age=300 idle=0 flags=N db=0 cmd=bzpopmin',
  'id=12 addr=127.0.0.1:52000 laddr=127.0.0.1:6379 fd=12 name=draas-agent-node-1-commands age=0 idle=0 flags=N db=0 cmd=client|list',
  'id=13 addr=127.0.0.1:53000 laddr=127.0.0.1:6379 fd=13 name= age=0 idle=0 flags=N db=0 cmd=ping',
  '',
].join('\n');

describe('otherConnections', () => {
  it('finds the connections with the name but for our own', () => {
    expect(otherConnections(clientList, 'draas-agent-node-1-commands', 12)).toEqual([{ id: 7, addr: '10.0.0.5:40112' }]);
  });

  it('finds none when ours is the only one', () => {
    expect(otherConnections(clientList, 'draas-agent-node-1-commands', 7).map((c) => c.id)).toEqual([12]);
    expect(otherConnections(clientList, 'draas-agent-node-2-commands', 12)).toEqual([]);
  });
});
