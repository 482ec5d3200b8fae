/**
 * Patroni's settings from the typed high-availability props, computed once: the operator target renders them into
 * `spec.patroni`; the standalone target will write them into Patroni's own configuration when its instances run
 * Patroni (until then it refuses them).
 */
import { Duration } from 'cdk8s';
import { DeploymentTarget } from '../../deployment-target';
import type { HighAvailabilityProps } from '../../high-availability';
import { checkDnsLabel, Problems } from '../validation';

/** The settings given, checked; absent ones are Patroni's (and IVYO's) defaults. */
export interface ResolvedHighAvailability {
  /** Patroni's dynamic configuration keys given: ttl, loop_wait, retry_timeout, synchronous_mode, pause. */
  readonly dynamic: { [key: string]: number | boolean };
  readonly switchover?: { readonly trigger: string; readonly targetInstance?: string };
}

/** Patroni 4.0.7's defaults (patroni/config.py) and its validator's minimums (patroni/validator.py). */
const DEFAULTS = { ttl: 30, loop_wait: 10, retry_timeout: 10 };
const MINIMUMS = { ttl: 20, loop_wait: 1, retry_timeout: 3 };

/** The standalone instances run no Patroni yet: nothing fails over, so nothing here would be in effect. */
const STANDALONE_REFUSAL = 'the standalone target does not run Patroni yet: its primary is the first pod of the first instance set, '
  + 'fixed, and nothing fails over, so this setting would have no effect; use the operator target (IVYO runs Patroni), or leave it out';

export function resolveHighAvailability(problems: Problems, field: string, props: HighAvailabilityProps | undefined,
  target: DeploymentTarget): ResolvedHighAvailability {
  if (props === undefined) return { dynamic: {} };
  const dynamic: { [key: string]: number | boolean } = {};
  const given: [string, unknown][] = Object.entries(props).filter(([, v]) => v !== undefined);
  if (target === DeploymentTarget.STANDALONE) {
    for (const [key, value] of given) problems.add(`${field}.${key}`, value instanceof Duration ? `${value.toSeconds()}s` : value, STANDALONE_REFUSAL);
    return { dynamic };
  }
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
    switchover = { trigger, targetInstance };
  }
  return { dynamic, switchover };
}
