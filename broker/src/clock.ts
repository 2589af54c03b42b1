// Connection times as nats-server keeps them: finer than a millisecond, so /connz shows a client's
// start and last activity with their sub-millisecond digits and an RTT such as "457µs".

/** The current time in fractional epoch milliseconds, to microsecond precision. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** One nanosecond in milliseconds: the least RTT, as nats-server rounds a zero RTT up to it
 * (0 means not measured yet). */
export const NANOSECOND = 1e-6;
