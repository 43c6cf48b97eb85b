import { describe, expect, it } from 'vitest';
import { classifyDockerError, dockerMessage } from './docker-errors.js';

const http = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${message}`), { statusCode, json: { message } });
const net = (code: string) => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

describe('classifyDockerError', () => {
  it.each([
    [http(404, 'No such container: x'), 'not-found'],
    [http(409, 'Conflict. The container name is already in use'), 'conflict'],
    [http(400, 'Minimum memory limit allowed is 6MB'), 'permanent'],
    [http(500, 'OCI runtime create failed: exec: "nope": executable file not found in $PATH'), 'permanent'],
    [http(500, 'driver failed programming external connectivity'), 'transient'],
    [http(503, 'daemon is restarting'), 'transient'],
    [net('ECONNREFUSED'), 'transient'],
    [net('ENOENT'), 'transient'],
    [new Error('socket hang up'), 'transient'],
    [new Error('Connection is closed.'), 'transient'],
  ])('%s → %s', (err, kind) => {
    expect(classifyDockerError(err)).toBe(kind);
  });
});

describe('dockerMessage', () => {
  it('prefers the engine message', () => {
    expect(dockerMessage(http(500, 'pull access denied'))).toBe('pull access denied');
  });
  it('strips the dockerode wrapping otherwise', () => {
    expect(dockerMessage(new Error('(HTTP code 500) server error - boom'))).toBe('boom');
  });
});
