/**
 * Patroni's settings from the typed high-availability props, computed once: the operator target renders them into
 * `spec.patroni`; the standalone target writes them into Patroni's dynamic configuration (`patroni/config.ts`), and
 * runs its instances under Patroni when they are given.
 */
import type { HighAvailabilityProps } from '../../high-availability';
import { checkDnsLabel, Problems } from '../validation';

/** The settings given, checked; absent ones are Patroni's (and IVYO's) defaults. */
export interface ResolvedHighAvailability {
  /** `highAvailability` was given: the standalone instances run Patroni. */
  readonly enabled: boolean;
  /** Patroni's ttl and loop_wait in effect (given or its defaults), which the standalone probes are timed by. */
  readonly leaseSeconds: number;
  readonly loopSeconds: number;
  /** Patroni's dynamic configuration keys given: ttl, loop_wait, retry_timeout, synchronous_mode, pause. */
  readonly dynamic: { [key: string]: number | boolean };
  readonly switchover?: { readonly trigger: string; readonly targetInstance?: string };
}

/** Patroni 4.0.7's defaults (patroni/config.py) and its validator's minimums (patroni/validator.py). */
const DEFAULTS = { ttl: 30, loop_wait: 10, retry_timeout: 10 };
const MINIMUMS = { ttl: 20, loop_wait: 1, retry_timeout: 3 };

export function resolveHighAvailability(problems: Problems, field: string, props: HighAvailabilityProps | undefined): ResolvedHighAvailability {
  if (props === undefined) return { enabled: false, dynamic: {}, leaseSeconds: DEFAULTS.ttl, loopSeconds: DEFAULTS.loop_wait };
  const dynamic: { [key: string]: number | boolean } = {};
  const seconds = (key: keyof typeof DEFAULTS, prop: 'leaderLease' | 'loopWait' | 'retryTimeout') => {
    const d = props[prop];
    if (d === undefined) return DEFAULTS[key];
    const s = d.toSeconds();
    if (!Number.isInteger(s) || s < MINIMUMS[key] || s > 86400) {
      problems.add(`${field}.${prop}`, `${s}s`, `must be whole seconds from ${MINIMUMS[key]} to 86400 (Patroni's ${key})`);
    }
    dynamic[key] = s;
    return s;
  };
  const ttl = seconds('ttl', 'leaderLease');
  const loopWait = seconds('loop_wait', 'loopWait');
  const retryTimeout = seconds('retry_timeout', 'retryTimeout');
  if (loopWait + 2 * retryTimeout > ttl) {
    problems.add(`${field}.leaderLease`, `${ttl}s`, `must be at least loopWait + 2 * retryTimeout (${loopWait}s + 2 * ${retryTimeout}s = `
      + `${loopWait + 2 * retryTimeout}s): Patroni would otherwise shorten them itself`);
  }
  if (props.synchronousReplication !== undefined) dynamic.synchronous_mode = props.synchronousReplication;
  if (props.pauseFailover !== undefined) dynamic.pause = props.pauseFailover;
  let switchover: ResolvedHighAvailability['switchover'];
  if (props.switchover !== undefined) {
    const { trigger, targetInstance } = props.switchover;
    if (typeof trigger !== 'string' || trigger.length === 0 || trigger.length > 253 || /[\u0000-\u001f]/.test(trigger)) {
      problems.add(`${field}.switchover.trigger`, trigger, 'must be a non-empty string of at most 253 characters, without control characters');
    }
    if (targetInstance !== undefined) checkDnsLabel(problems, `${field}.switchover.targetInstance`, targetInstance);
    // The standalone target renders a switchover Job (standalone/switchover.ts), which checks targetInstance against
    // the instance pods once they are known.
    switchover = { trigger, targetInstance };
  }
  return { enabled: true, dynamic, switchover, leaseSeconds: ttl, loopSeconds: loopWait };
}
