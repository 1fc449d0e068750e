/**
 * Login attempts per key (a client address or an email), each recorded with its time. Counting
 * after recording is what makes the limit hold under concurrency, on any server that makes a
 * completed insert visible to later reads: no read-modify-write of a shared counter is needed.
 */
export abstract class LoginThrottleStore {
  abstract record(key: string, at: Date): Promise<void>;

  /** How many attempts against `key` are later than `since`. */
  abstract count(key: string, since: Date): Promise<number>;

  /** The time of the `index`-th (0-based, oldest first) attempt against `key` later than `since`. */
  abstract attemptAt(key: string, since: Date, index: number): Promise<Date | null>;

  /** Forgets every attempt against `key`. */
  abstract reset(key: string): Promise<void>;

  /** Removes the attempts at or before `cutoff`; returns how many. */
  abstract sweep(cutoff: Date): Promise<number>;
}
