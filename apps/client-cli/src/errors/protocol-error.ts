/** The scheduler answered 2xx with something its contract does not allow (usually a version skew). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(what: string, problem: string) {
    super(`unexpected answer from the scheduler (${what}): ${problem}; are the CLI and the scheduler the same version?`);
  }
}
