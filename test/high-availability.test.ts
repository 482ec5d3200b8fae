/**
 * The typed high-availability settings: rendered into IVYO's spec.patroni (checked against its CRD by every synth),
 * refused by the standalone target, which runs no Patroni yet.
 */
import { Duration, Size } from 'cdk8s';
import { BackupRepo, DeploymentTarget, IvoryClusterProps } from '../src';
import { find, synth, validationMessage } from './support/synth';

const repos = () => [BackupRepo.volume({ size: Size.gibibytes(10) })];
const operator = (props: Partial<IvoryClusterProps>) => synth({ repos: repos(), ...props } as IvoryClusterProps);

describe('high availability, operator target', () => {
  test('every setting lands in spec.patroni where IVYO reads it, beside the PostgreSQL parameters', () => {
    const m = operator({
      instances: [{ replicas: 3 }],
      highAvailability: {
        synchronousReplication: true,
        leaderLease: Duration.seconds(45),
        loopWait: Duration.seconds(5),
        retryTimeout: Duration.seconds(15),
        pauseFailover: true,
        switchover: { trigger: '2026-12-01-maintenance', targetInstance: 'hippo-instance1-abcd' },
      },
    });
    const cr = find(m, 'IvoryCluster', 'hippo');
    expect(cr.spec.patroni).toEqual({
      // IVYO sets Patroni's ttl and loop_wait from these two fields (internal/patroni/config.go), over any given in
      // dynamicConfiguration; the rest of dynamicConfiguration reaches Patroni as it is.
      leaderLeaseDurationSeconds: 45,
      syncPeriodSeconds: 5,
      dynamicConfiguration: {
        synchronous_mode: true,
        retry_timeout: 15,
        pause: true,
        postgresql: { parameters: expect.objectContaining({ wal_compression: 'pglz' }) },
      },
      switchover: { enabled: true, type: 'Switchover', targetInstance: 'hippo-instance1-abcd' },
    });
    expect(cr.metadata.annotations['ivory-operator.ivorysql.org/trigger-switchover']).toBe('2026-12-01-maintenance');
  });

  test('without highAvailability, IVYO\'s defaults: only the parameters, no switchover, no annotation', () => {
    const cr = find(operator({}), 'IvoryCluster', 'hippo');
    expect(Object.keys(cr.spec.patroni)).toEqual(['dynamicConfiguration']);
    expect(Object.keys(cr.spec.patroni.dynamicConfiguration)).toEqual(['postgresql']);
    expect(cr.metadata.annotations?.['ivory-operator.ivorysql.org/trigger-switchover']).toBeUndefined();
    const off = find(operator({ highAvailability: { synchronousReplication: false } }), 'IvoryCluster', 'hippo');
    expect(off.spec.patroni.dynamicConfiguration.synchronous_mode).toBe(false);
    const anyReplica = find(operator({ highAvailability: { switchover: { trigger: 'one' } } }), 'IvoryCluster', 'hippo');
    expect(anyReplica.spec.patroni.switchover).toEqual({ enabled: true, type: 'Switchover' });
  });

  test('Patroni\'s bounds: ttl at least 20 s and at least loop_wait + 2 * retry_timeout, retry_timeout at least 3 s', () => {
    const short = validationMessage(() => operator({ highAvailability: { leaderLease: Duration.seconds(10) } }));
    expect(short).toContain('highAvailability.leaderLease');
    expect(short).toContain('must be whole seconds from 20 to 86400 (Patroni\'s ttl)');
    const tight = validationMessage(() => operator({ highAvailability: { leaderLease: Duration.seconds(25), retryTimeout: Duration.seconds(10) } }));
    expect(tight).toContain('must be at least loopWait + 2 * retryTimeout (10s + 2 * 10s = 30s)');
    expect(validationMessage(() => operator({ highAvailability: { retryTimeout: Duration.seconds(2) } }))).toContain('highAvailability.retryTimeout');
    expect(validationMessage(() => operator({ highAvailability: { loopWait: Duration.millis(1500) } }))).toContain('highAvailability.loopWait');
    const badSwitch = validationMessage(() => operator({ highAvailability: { switchover: { trigger: '', targetInstance: 'Not_An_Instance' } } }));
    expect(badSwitch).toContain('highAvailability.switchover.trigger');
    expect(badSwitch).toContain('highAvailability.switchover.targetInstance');
    expect(validationMessage(() => operator({ highAvailability: { synchronousReplication: 'yes' as any } })))
      .toContain('highAvailability.synchronousReplication: "yes": must be true or false');
  });
});

describe('high availability, standalone target', () => {
  test('refused at synth, each setting given named, saying why: no Patroni runs there yet', () => {
    const message = validationMessage(() => synth({
      target: DeploymentTarget.STANDALONE,
      repos: repos(),
      highAvailability: { synchronousReplication: true, leaderLease: Duration.seconds(30), switchover: { trigger: 'x' } },
    }));
    for (const field of ['highAvailability.synchronousReplication', 'highAvailability.leaderLease', 'highAvailability.switchover']) {
      expect(message).toContain(field);
    }
    expect(message).toContain('the standalone target does not run Patroni yet');
    expect(message).not.toContain('highAvailability.pauseFailover');
  });

  test('leaving it out, or giving it empty, is fine', () => {
    expect(() => synth({ target: DeploymentTarget.STANDALONE, repos: repos(), highAvailability: {} })).not.toThrow();
  });
});
