import { Duration } from 'cdk8s';

/**
 * A switchover: the primary hands over to another instance while both are healthy. It runs once per `trigger`:
 * change the trigger to run another. The operator target renders IVYO's `spec.patroni.switchover` and its
 * `trigger-switchover` annotation; the standalone target renders a Job, `<cluster>-switchover-<hash of the trigger>`,
 * that asks Patroni's REST API for it.
 */
export interface SwitchoverProps {
  /**
   * Any value (at most 253 characters, no control characters); a new one requests a new switchover (IVYO's
   * `trigger-switchover` annotation). On the standalone target the Job's name carries a hash of it, and the Job and
   * its pod carry it as that annotation.
   */
  readonly trigger: string;
  /**
   * The instance to become primary. Operator target: IVYO's instance name, such as `hippo-instance1-abcd`, as
   * `kubectl get pods` shows it without the ordinal suffix. Standalone target: the pod's name, such as
   * `hippo-instance1-1` (Patroni's member name), one of the cluster's instance pods. With `synchronousReplication`
   * Patroni switches over only to the synchronous standby: another target is refused (the Job fails with Patroni's
   * message); leave it out to let Patroni take the synchronous standby. If the target already leads, nothing happens.
   * @default - a healthy replica that Patroni chooses
   */
  readonly targetInstance?: string;
}

/**
 * How the cluster fails over: Patroni's settings, typed once for both targets. The operator target renders them into
 * `spec.patroni`. On the standalone target, giving `highAvailability` (even `{}`) makes Patroni run the instances,
 * with these settings in its dynamic configuration: a replica takes over when the primary fails, the primary Service
 * follows the leader, and a failed primary rejoins by `pg_rewind` or a pgBackRest delta restore.
 */
export interface HighAvailabilityProps {
  /**
   * Synchronous replication (Patroni's `synchronous_mode`): a commit returns once a replica has it, so a failover
   * loses no committed transaction; commits wait for a replica, and stall with none (Patroni then turns it off unless
   * `synchronous_mode_strict`, which this does not set).
   * @default false
   */
  readonly synchronousReplication?: boolean;
  /**
   * How long the leader's lock lasts without renewal (Patroni's `ttl`, IVYO's `leaderLeaseDurationSeconds`): about
   * the time from a dead primary to a failover. At least 20 seconds, and at least `loopWait + 2 * retryTimeout`.
   * @default Duration.seconds(30)
   */
  readonly leaderLease?: Duration;
  /**
   * How often Patroni runs its loop and renews the lock (`loop_wait`, IVYO's `syncPeriodSeconds`).
   * @default Duration.seconds(10)
   */
  readonly loopWait?: Duration;
  /**
   * How long Patroni retries the DCS and PostgreSQL before demoting a primary it cannot confirm (`retry_timeout`).
   * At least 3 seconds.
   * @default Duration.seconds(10)
   */
  readonly retryTimeout?: Duration;
  /**
   * Maintenance mode (Patroni's `pause`): no automatic failover, and Patroni leaves PostgreSQL alone while it is
   * stopped or restarted by hand. Turn it off again afterwards.
   * @default false
   */
  readonly pauseFailover?: boolean;
  /**
   * A switchover to request. Operator target: IVYO's `spec.patroni.switchover` and `trigger-switchover` annotation.
   * Standalone target: a Job (`<cluster>-switchover-<hash of the trigger>`, the cluster's image) that finds the
   * leader from Patroni's REST API (HTTPS, the pgBackRest client certificate), posts `/switchover` to it and
   * confirms that the new leader runs on a new timeline. Applied with a new cluster, it waits up to five minutes
   * for a running leader (and the target) before it fails. It runs once: no retry (`backoffLimit: 0`) and no TTL,
   * so the finished Job stays and re-applying the app does not switch again; a Job that failed stays failed: give
   * a new trigger to try again.
   * @default - none
   */
  readonly switchover?: SwitchoverProps;
}
