/** No HTTP answer at all: the scheduler is down, the address is wrong, or the network dropped. */
export class SchedulerUnreachableError extends Error {
  override readonly name = 'SchedulerUnreachableError';

  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the scheduler at ${url}: ${reason}; is it running? (set DRAAS_URL)`);
  }
}
