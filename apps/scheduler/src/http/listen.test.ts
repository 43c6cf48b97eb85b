import { describe, expect, it } from 'vitest';
import { httpListenError } from './listen.js';

describe('httpListenError', () => {
  it.each([
    [{ code: 'EADDRINUSE' }, /^PORT 5000 is in use on 0\.0\.0\.0 .*: set PORT to a free port$/],
    [{ code: 'EACCES' }, /^PORT 5000 may not be opened on 0\.0\.0\.0 by this user .*: set PORT to a free port above 1023$/],
    [{ code: 'EADDRNOTAVAIL' }, /^HOST 0\.0\.0\.0 is not an address of this machine: set HOST/],
    [{ code: 'EMFILE', message: 'too many open files' }, /^cannot listen on 0\.0\.0\.0:5000 \(too many open files\): check HOST and PORT$/],
  ])('%o names the setting that fixes it', (err, expected) => {
    expect(httpListenError({ message: '', ...err }, '0.0.0.0', 5000)).toMatch(expected);
  });
});
