/**
 * The typed high-availability settings: rendered into IVYO's spec.patroni (checked against its CRD by every synth),
 * and, on the standalone target, into the configuration of the Patroni that then runs its instances.
 */
import { execFile, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { BackupRepo, DeploymentTarget, IvoryCluster, IvoryClusterProps, RecoveryTarget, RepoCredentials, Restore, Standby } from '../src';
import { podSpecs, restrictedViolations } from './support/security';
import { all, find, synth, validationMessage } from './support/synth';

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

describe('high availability, standalone target: Patroni runs the instances', () => {
  const standalone = (props: Partial<IvoryClusterProps> = {}) => synth({
    target: DeploymentTarget.STANDALONE,
    repos: repos(),
    instances: [{ replicas: 3 }],
    highAvailability: {
      synchronousReplication: true, leaderLease: Duration.seconds(20), loopWait: Duration.seconds(5), retryTimeout: Duration.seconds(5),
    },
    ...props,
  } as IvoryClusterProps);
  const files = (m: any[]) => find(m, 'ConfigMap', 'hippo-patroni-config').data;

  test('Patroni\'s files: the cluster, its set, the DCS; the dynamic configuration holds the settings and PostgreSQL\'s', () => {
    const data = files(standalone());
    const cluster = parse(data['10-cluster.yaml']);
    const dynamic = JSON.parse(data['dynamic.json']);
    expect(cluster.scope).toBe('hippo-ha');
    // Bootstrapping writes the same document into the DCS that the containers apply later.
    expect(cluster.bootstrap.dcs).toEqual(dynamic);
    expect(dynamic).toMatchObject({ ttl: 20, loop_wait: 5, retry_timeout: 5, synchronous_mode: true });
    expect(dynamic.postgresql.use_pg_rewind).toBe(true);
    // Patroni owns where PostgreSQL listens, its HBA and ident files and the recovery settings.
    for (const owned of ['listen_addresses', 'port', 'hba_file', 'ident_file', 'restore_command', 'recovery_target_timeline']) {
      expect(dynamic.postgresql.parameters).not.toHaveProperty(owned);
    }
    expect(dynamic.postgresql.parameters).toMatchObject({ archive_mode: 'on', wal_level: 'replica', ssl: 'on' });
    expect(cluster.postgresql.recovery_conf.restore_command).toBe('pgbackrest --stanza=db archive-get %f "%p"');
    // pg_rewind connects to the postgres database as the replication user; the first matching rule wins.
    const hba: string[] = dynamic.postgresql.pg_hba;
    expect(hba.indexOf('hostssl postgres replicator all cert')).toBeGreaterThan(-1);
    expect(hba.indexOf('hostssl postgres replicator all cert')).toBeLessThan(hba.indexOf('hostssl all all all scram-sha-256'));
    expect(cluster.postgresql.authentication.rewind).toEqual(cluster.postgresql.authentication.replication);
    expect(cluster.postgresql.authentication.superuser).toEqual({ username: 'ivorysql' });
    expect(data['10-cluster.yaml']).not.toMatch(/[&*]a\d/); // no YAML anchors
    const set = parse(data['20-set-instance1.yaml']);
    expect(set.postgresql.create_replica_methods).toEqual(['pgbackrest', 'basebackup']);
    // Patroni 4 calls it no_leader (IVYO 5.4 still writes no_master, which 4.0 ignores).
    expect(set.postgresql.pgbackrest).toMatchObject({ keep_data: true, no_leader: true, no_params: true });
    expect(JSON.stringify(set)).not.toContain('no_master');
    expect(parse(data['30-dcs.yaml'])).toEqual({
      kubernetes: {
        namespace: 'db',
        use_endpoints: true,
        role_label: 'ivory-operator.ivorysql.org/role',
        leader_label_value: 'primary',
        follower_label_value: 'replica',
        scope_label: 'ivory-operator.ivorysql.org/patroni',
        labels: { 'ivory-operator.ivorysql.org/cluster': 'hippo' },
      },
    });
  });

  test('the database container runs Patroni, probed on its REST API with IVYO\'s timing; each set projects its own file', () => {
    const m = standalone({ instances: [{ name: 'a', replicas: 2 }, { name: 'b', replicas: 1, walVolumeSize: Size.gibibytes(1) }] });
    const sts = find(m, 'StatefulSet', 'hippo-b');
    const spec = sts.spec.template.spec;
    const db = spec.containers.find((c: any) => c.name === 'database');
    expect(db.command.slice(-2)).toEqual(['patroni', '/etc/patroni']);
    expect(db.readinessProbe).toEqual({ httpGet: { path: '/readiness', port: 8008, scheme: 'HTTPS' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 4 });
    expect(db.livenessProbe.httpGet.path).toBe('/liveness');
    expect(db.env.find((e: any) => e.name === 'STOP_SIGNAL').value).toBe('TERM');
    expect(db.env.find((e: any) => e.name === 'PATRONI_POSTGRESQL_CONNECT_ADDRESS').value).toBe('$(PATRONI_NAME).hippo-pods:5432');
    const config = spec.volumes.find((v: any) => v.name === 'patroni-config').configMap.items;
    expect(config).toContainEqual({ key: '20-set-b.yaml', path: '20-set.yaml' });
    expect(config.map((i: any) => i.key)).not.toContain('20-set-a.yaml');
    expect(parse(files(m)['20-set-b.yaml']).postgresql.basebackup).toEqual([{ checkpoint: 'fast' }, { waldir: '/pgwal/pg18_wal' }]);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['prepare']);
    expect(sts.spec.template.metadata.labels['ivory-operator.ivorysql.org/patroni']).toBe('hippo-ha');
    expect(spec.shareProcessNamespace).toBe(true);
    // PostgreSQL's settings are Patroni's now: no ConfigMap of their own.
    expect(m.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'hippo-config')).toBeUndefined();
  });

  test('Services: the leader\'s (Patroni\'s Endpoints), its state\'s, the primary following the leader, the replicas', () => {
    const m = standalone();
    expect(find(m, 'Service', 'hippo-ha').spec.selector).toBeUndefined();
    expect(find(m, 'Service', 'hippo-ha-config').spec).toEqual({ clusterIP: 'None' });
    expect(find(m, 'Service', 'hippo-primary').spec).toMatchObject({ type: 'ExternalName', externalName: 'hippo-ha.db.svc.cluster.local' });
    expect(find(m, 'Service', 'hippo-replicas').spec.selector).toEqual({ 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/role': 'replica' });
    const cert = find(m, 'Certificate', 'hippo-postgres-tls');
    expect(cert.spec.dnsNames).toEqual(expect.arrayContaining(['hippo-primary', 'hippo-replicas', 'hippo-ha', 'hippo-instance1-2.hippo-pods']));
    const policy = find(m, 'NetworkPolicy', 'hippo-instances');
    expect(policy.spec.ingress.some((r: any) => r.ports.some((p: any) => p.port === 8008))).toBe(true);
  });

  test('least privilege: IVYO\'s Patroni rules only, bound to the instances\' account, whose token only Patroni\'s container gets', () => {
    const m = standalone();
    const role = find(m, 'Role', 'hippo-instance');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['endpoints'], verbs: ['create', 'deletecollection', 'get', 'list', 'patch', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'watch'] },
      { apiGroups: [''], resources: ['services'], verbs: ['create'] },
    ]);
    expect(all(m, 'Role')).toHaveLength(1);
    expect(find(m, 'RoleBinding', 'hippo-instance').subjects).toEqual([{ kind: 'ServiceAccount', name: 'hippo-instance', namespace: 'db' }]);
    const withToken: string[] = [];
    for (const obj of m) {
      for (const { where, spec } of podSpecs(obj)) {
        expect(spec.automountServiceAccountToken).toBe(false);
        const tokenVolumes = (spec.volumes ?? []).filter((v: any) => v.projected?.sources.some((s: any) => s.serviceAccountToken))
          .map((v: any) => v.name);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          if ((c.volumeMounts ?? []).some((vm: any) => tokenVolumes.includes(vm.name))) withToken.push(`${where}/${c.name}:${spec.serviceAccountName}`);
        }
      }
    }
    expect(withToken).toEqual(['StatefulSet/hippo-instance1/database:hippo-instance']);
    expect(restrictedViolations(m)).toEqual([]);
    // Negative control of the check every synth runs: the token in another container of the pod is caught.
    const sts = find(m, 'StatefulSet', 'hippo-instance1');
    sts.spec.template.spec.containers.find((c: any) => c.name === 'pgbackrest').volumeMounts.push({ name: 'service-account-token', mountPath: '/t' });
    expect(restrictedViolations(m)).toEqual(['StatefulSet/hippo-instance1 container pgbackrest: a service account token is mounted']);
  });

  test('a clone\'s restore arguments reach its bootstrap whole, through Patroni\'s shell-like split', () => {
    const chart = new Chart(Testing.app(), 'c');
    const source = new IvoryCluster(chart, 'src', { target: DeploymentTarget.STANDALONE, repos: repos() });
    new IvoryCluster(chart, 'hippo', {
      target: DeploymentTarget.STANDALONE,
      repos: repos(),
      highAvailability: {},
      restoreFrom: Restore.fromCluster(source, { target: RecoveryTarget.time('2026-12-01 10:00:00+00') }),
    });
    const cm = Testing.synth(chart).find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'hippo-patroni-config');
    const command = parse(cm.data['10-cluster.yaml']).bootstrap.ivory.command;
    const words = JSON.parse(execFileSync('python3', ['-c', 'import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))', command], { encoding: 'utf8' }));
    expect(words.slice(0, 3)).toEqual(['bash', '-eu', '/etc/patroni/bootstrap.sh']);
    expect(words).toContain('--target=2026-12-01 10:00:00+00');
    expect(words).toContain('--type=time');
  });

  test('without highAvailability nothing changes: a fixed primary, no Role, no token anywhere', () => {
    const m = synth({ target: DeploymentTarget.STANDALONE, repos: repos(), instances: [{ replicas: 2 }] });
    expect(all(m, 'Role')).toHaveLength(0);
    expect(find(m, 'Service', 'hippo-primary').spec.selector['statefulset.kubernetes.io/pod-name']).toBe('hippo-instance1-0');
    expect(m.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'hippo-patroni-config')).toBeUndefined();
  });

  test('a standby cluster: Patroni\'s standby_cluster, its leader created from the primary\'s repo and replaying it', () => {
    const shared = () => [BackupRepo.s3({ bucket: 'acme-backups', region: 'eu-central-1', path: '/shared', credentials: RepoCredentials.s3InstanceRole() })];
    const fromRepo = JSON.parse(files(standalone({ repos: shared(), standby: Standby.fromRepo('repo1') }))['dynamic.json']);
    expect(fromRepo.standby_cluster).toEqual({
      create_replica_methods: ['pgbackrest'],
      restore_command: 'pgbackrest --stanza=db archive-get %f "%p" --repo=1',
    });
    // The bootstrap writes the same document: the first member becomes a standby leader, not a primary.
    const m = standalone({ repos: shared(), standby: Standby.fromHost({ host: 'hippo-primary.prod.svc', port: 5433, repoName: 'repo1' }) });
    expect(parse(files(m)['10-cluster.yaml']).bootstrap.dcs.standby_cluster).toMatchObject({ host: 'hippo-primary.prod.svc', port: 5433 });
    expect(all(m, 'CronJob').every(c => c.spec.suspend === true)).toBe(true);
    // Without standby (its promotion), the document has none.
    expect(JSON.parse(files(standalone({ repos: shared() }))['dynamic.json']).standby_cluster).toBeUndefined();
  });

  test('an in-place restore with replicas: a new Patroni cluster of the restore, bootstrapped by a delta restore to the target', () => {
    const restore = Restore.inPlace({ repoName: 'repo1', restoreId: 'incident-1', confirmOverwrite: true, target: RecoveryTarget.time('2026-12-01 10:00:00+00') });
    const m = standalone({ inPlaceRestore: restore });
    // The scope, the Services named by it, the primary's name following it, the pods' scope label: all of the restore.
    const restoreScope = parse(files(m)['10-cluster.yaml']).scope;
    expect(restoreScope).toMatch(/^hippo-ha-[0-9a-f]{8}$/);
    expect(find(m, 'Service', restoreScope).spec.selector).toBeUndefined();
    expect(find(m, 'Service', `${restoreScope}-config`).spec).toEqual({ clusterIP: 'None' });
    expect(m.find(o => o.kind === 'Service' && o.metadata.name === 'hippo-ha')).toBeUndefined();
    expect(find(m, 'Service', 'hippo-primary').spec.externalName).toBe(`${restoreScope}.db.svc.cluster.local`);
    const template = find(m, 'StatefulSet', 'hippo-instance1').spec.template;
    expect(template.metadata.labels['ivory-operator.ivorysql.org/patroni']).toBe(restoreScope);
    expect(find(m, 'Certificate', 'hippo-postgres-tls').spec.dnsNames).toContain(restoreScope);
    // Its bootstrap restores to the target; the prepare step knows which cluster the data must belong to.
    const words = JSON.parse(execFileSync('python3', ['-c', 'import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))',
      parse(files(m)['10-cluster.yaml']).bootstrap.ivory.command], { encoding: 'utf8' }));
    expect(words).toEqual(expect.arrayContaining(['--type=time', '--target=2026-12-01 10:00:00+00', '--target-action=promote']));
    const envOf = (c: any) => Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    expect(envOf(template.spec.initContainers[0])).toMatchObject({ HA_SCOPE: restoreScope, HA_BASE_SCOPE: 'hippo-ha', RESTORE_ID: 'incident-1' });
    expect(envOf(template.spec.containers[0])).toMatchObject({ HA_SCOPE: restoreScope, RESTORE_ID: 'incident-1', RESTORE_REPO: '1' });
    // Another restore id is another cluster; the same one again is the same.
    const again = standalone({ inPlaceRestore: Restore.inPlace({ repoName: 'repo1', restoreId: 'incident-1', confirmOverwrite: true }) });
    expect(parse(files(again)['10-cluster.yaml']).scope).toBe(restoreScope);
    const next = standalone({ inPlaceRestore: Restore.inPlace({ repoName: 'repo1', restoreId: 'incident-2', confirmOverwrite: true }) });
    expect(parse(files(next)['10-cluster.yaml']).scope).not.toBe(restoreScope);
    // Without Patroni, replicas still need the cluster scaled to one instance first.
    const withoutPatroni = { target: DeploymentTarget.STANDALONE, repos: repos(), instances: [{ replicas: 2 }], inPlaceRestore: restore };
    expect(validationMessage(() => synth(withoutPatroni)))
      .toContain('inPlaceRestore: the standalone target restores in place with one instance, or with highAvailability');
  });

  describe('a switchover Job, once per trigger', () => {
    const withSwitchover = (switchover: { trigger: string; targetInstance?: string }, props: Partial<IvoryClusterProps> = {}) => standalone({
      highAvailability: { synchronousReplication: true, switchover },
      ...props,
    });
    const jobs = (m: any[]) => all(m, 'Job').filter(j => j.metadata.name.startsWith('hippo-switchover-'));

    test('the Job: named by a hash of the trigger, which it carries as the annotation; never retried, kept; python3 in the cluster\'s image', () => {
      const m = withSwitchover({ trigger: 'maint-1', targetInstance: 'hippo-instance1-2' });
      const [job] = jobs(m);
      expect(jobs(m)).toHaveLength(1);
      expect(job.metadata.name).toMatch(/^hippo-switchover-[0-9a-f]{8}$/);
      expect(job.metadata.annotations).toEqual({ 'ivory-operator.ivorysql.org/trigger-switchover': 'maint-1' });
      expect(job.spec.backoffLimit).toBe(0);
      expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
      const pod = job.spec.template;
      expect(pod.metadata.annotations['ivory-operator.ivorysql.org/trigger-switchover']).toBe('maint-1');
      expect(pod.metadata.labels).toMatchObject({ 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/switchover': '' });
      // Not a backup Job: the instances admit those to pgBackRest's TLS server.
      expect(pod.metadata.labels['ivory-operator.ivorysql.org/pgbackrest-job']).toBeUndefined();
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      const [c] = pod.spec.containers;
      const sts = find(m, 'StatefulSet', 'hippo-instance1');
      expect(c.image).toBe(sts.spec.template.spec.containers.find((x: any) => x.name === 'database').image);
      expect(c.command.slice(0, 3)).toEqual(['python3', '-u', '-c']);
      // Kubernetes expands $(VAR) in commands: the script has none.
      expect(c.command[3]).not.toContain('$(');
      const envOf = (name: string) => c.env.find((e: any) => e.name === name);
      expect(envOf('TARGET_INSTANCE').value).toBe('hippo-instance1-2');
      expect(envOf('INSTANCE_PODS').value).toBe('hippo-instance1-0 hippo-instance1-1 hippo-instance1-2');
      expect(envOf('POD_DOMAIN').value).toBe('hippo-pods.db.svc.cluster.local');
      expect(envOf('TRIGGER').valueFrom.fieldRef.fieldPath).toBe('metadata.annotations[\'ivory-operator.ivorysql.org/trigger-switchover\']');
      // The name connected to is in the REST API's certificate (the pgBackRest one); the Job has that client certificate.
      const cert = find(m, 'Certificate', 'hippo-pgbackrest-tls');
      expect(cert.spec.dnsNames).toContain('hippo-instance1-2.hippo-pods.db.svc.cluster.local');
      expect(c.volumeMounts).toContainEqual({ name: 'pgbackrest-tls', mountPath: '/etc/pgbackrest/tls', readOnly: true });
      expect(pod.spec.volumes.find((v: any) => v.name === 'pgbackrest-tls').secret.secretName).toBe('hippo-pgbackrest-tls');
      // Resources as the backup Jobs'.
      const backup = all(m, 'Job').find(j => j.metadata.name.startsWith('hippo-stanza-create'));
      expect(c.resources).toEqual(backup.spec.template.spec.containers[0].resources);
      expect(restrictedViolations([job])).toEqual([]);
      // Without a target the variable is absent: Patroni chooses.
      const anyReplica = jobs(withSwitchover({ trigger: 'maint-1' }))[0].spec.template.spec.containers[0];
      expect(anyReplica.env.map((e: any) => e.name)).not.toContain('TARGET_INSTANCE');
      // Another trigger, another Job; the same trigger, the same name.
      expect(jobs(withSwitchover({ trigger: 'maint-2' }))[0].metadata.name).not.toBe(job.metadata.name);
      expect(jobs(withSwitchover({ trigger: 'maint-1' }))[0].metadata.name).toBe(job.metadata.name);
      expect(jobs(standalone())).toEqual([]);
    });

    test('NetworkPolicy: the Job\'s pods reach Patroni\'s port on the instances and nothing else; they admit nothing', () => {
      const m = withSwitchover({ trigger: 'maint-1' });
      const rules = find(m, 'NetworkPolicy', 'hippo-instances').spec.ingress;
      const fromJob = rules.filter((r: any) => r.from.some((f: any) => f.podSelector?.matchLabels?.['ivory-operator.ivorysql.org/switchover'] === ''));
      expect(fromJob).toEqual([{
        from: [{ podSelector: { matchLabels: { 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/switchover': '' } } }],
        ports: [{ protocol: 'TCP', port: 8008 }],
      }]);
      expect(find(m, 'NetworkPolicy', 'hippo-switchover').spec).toEqual({
        podSelector: { matchLabels: { 'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/switchover': '' } },
        policyTypes: ['Ingress'],
        ingress: [],
      });
      // The backup Jobs' selector does not match the switchover pods (it would admit them to pgBackRest's port).
      const pod = jobs(m)[0].spec.template.metadata.labels;
      for (const rule of rules) {
        for (const peer of rule.from) {
          const match = peer.podSelector?.matchLabels;
          if (match && Object.entries(match).every(([k, v]) => pod[k] === v)) expect(rule.ports).toEqual([{ protocol: 'TCP', port: 8008 }]);
        }
      }
      // Without a switchover, no rule and no policy for it.
      const none = standalone();
      expect(JSON.stringify(find(none, 'NetworkPolicy', 'hippo-instances'))).not.toContain('switchover');
      expect(none.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'hippo-switchover')).toBeUndefined();
    });

    test('targetInstance is one of the cluster\'s instance pods, a DNS label; the message names field, value and the pods', () => {
      const notAPod = validationMessage(() => withSwitchover({ trigger: 't', targetInstance: 'hippo-instance1-abcd' }));
      expect(notAPod).toContain('highAvailability.switchover.targetInstance: "hippo-instance1-abcd": on the standalone target, the pod '
        + '(Patroni member) to become primary: one of the cluster\'s instance pods, hippo-instance1-0, hippo-instance1-1, hippo-instance1-2');
      const twoSets = validationMessage(() => withSwitchover({ trigger: 't', targetInstance: 'hippo-b-1' },
        { instances: [{ name: 'a', replicas: 2 }, { name: 'b', replicas: 1 }] }));
      expect(twoSets).toContain('hippo-a-0, hippo-a-1, hippo-b-0');
      expect(jobs(withSwitchover({ trigger: 't', targetInstance: 'hippo-b-0' }, { instances: [{ name: 'a', replicas: 2 }, { name: 'b', replicas: 1 }] })))
        .toHaveLength(1);
      const badLabel = validationMessage(() => withSwitchover({ trigger: 't', targetInstance: 'Hippo_Instance1-0' }));
      expect(badLabel).toContain('highAvailability.switchover.targetInstance: "Hippo_Instance1-0": must be a DNS-1123 label');
    });

    test('hostile triggers: a safe name whatever the trigger; control characters and over 253 characters are refused', () => {
      const quotes = 'a "quoted" \'trigger\' $(rm -rf /) `id` ; DROP TABLE w; --';
      const [job] = jobs(withSwitchover({ trigger: quotes }));
      expect(job.metadata.name).toMatch(/^hippo-switchover-[0-9a-f]{8}$/);
      expect(job.metadata.annotations['ivory-operator.ivorysql.org/trigger-switchover']).toBe(quotes);
      // Only the annotation holds it; the container reads it from there (a value would be expanded by Kubernetes).
      expect(JSON.stringify(job.spec.template.spec.containers)).not.toContain('rm -rf');
      const long = 'planned maintenance of node pool b, ticket 4711 '.repeat(6).slice(0, 253);
      const longName = jobs(withSwitchover({ trigger: long }))[0].metadata.name;
      expect(longName.length).toBeLessThanOrEqual(63);
      // The longest cluster name still gives a DNS label.
      const chart = Testing.chart();
      const name = 'c'.repeat(40);
      new IvoryCluster(chart, 'long', {
        name,
        namespace: 'db',
        target: DeploymentTarget.STANDALONE,
        repos: repos(),
        instances: [{ replicas: 2 }],
        highAvailability: { switchover: { trigger: long } },
      } as IvoryClusterProps);
      const longCluster = Testing.synth(chart).find((o: any) => o.kind === 'Job' && o.metadata.name.startsWith(`${name}-switchover-`));
      expect(longCluster.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(longCluster.metadata.name.length).toBeLessThanOrEqual(63);
      const newline = validationMessage(() => withSwitchover({ trigger: 'one\ntwo' }));
      expect(newline).toContain('highAvailability.switchover.trigger');
      expect(newline).toContain('without control characters');
      expect(validationMessage(() => withSwitchover({ trigger: 'y'.repeat(300) }))).toContain('at most 253 characters');
      expect(validationMessage(() => withSwitchover({ trigger: '' }))).toContain('highAvailability.switchover.trigger');
    });

    /**
     * A stand-in for Patroni's REST API on 127.0.0.1 (HTTPS, a client certificate optional as Patroni's
     * verify_client: optional): GET /cluster answers `cluster`, POST /switchover answers `answer` and, when it is 200,
     * makes the candidate lead on the next timeline. Records each request, and whether it had a client certificate, in a file.
     */
    const FAKE_PATRONI = `
import http.server, json, ssl, sys
tls, state, log = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
requests = []
def record(r):
    requests.append(r)
    open(log, 'w').write(json.dumps(requests))
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, status, text):
        body = text.encode()
        self.send_response(status); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        record(['GET', self.path, bool(self.connection.getpeercert())])
        self.reply(200, json.dumps(state['cluster']))
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        record(['POST', self.path, bool(self.connection.getpeercert()), body])
        status, text = state['answer']
        if status == 200:
            for m in state['cluster']['members']:
                lead = m['name'] == body.get('candidate', 'p1')
                m.update(role='leader' if lead else 'replica', state='running' if lead else 'streaming', timeline=2)
        self.reply(status, text)
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=tls + '/ca.crt')
ctx.load_cert_chain(tls + '/tls.crt', tls + '/tls.key')
ctx.verify_mode = ssl.CERT_OPTIONAL
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
`;

    test('the script against a stand-in for Patroni: no-op when the target leads, Patroni\'s refusal is the Job\'s failure, success confirmed on a new timeline, a bounded wait', async () => {
      const script = jobs(withSwitchover({ trigger: 'maint-1' }))[0].spec.template.spec.containers[0].command[3];
      const tls = fs.mkdtempSync(path.join(os.tmpdir(), 'switchover-tls-'));
      // One self-signed certificate for 127.0.0.1 (the script connects to `<pod>.<domain>`: pod 127, domain 0.0.1).
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=patroni', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${tls}/tls.key`, '-out', `${tls}/tls.crt`], { stdio: 'ignore' });
      fs.copyFileSync(`${tls}/tls.crt`, `${tls}/ca.crt`);
      const member = (name: string, role: string, state: string) => ({ name, role, state, timeline: 1 });
      const scenario = async (target: string | undefined, cluster: unknown, answer: [number, string], wait = 30) => {
        const log = `${tls}/requests.json`;
        fs.writeFileSync(log, '[]');
        const server = spawn('python3', ['-c', FAKE_PATRONI, tls, JSON.stringify({ cluster, answer }), log], { stdio: ['ignore', 'pipe', 'inherit'] });
        try {
          const port = await new Promise<string>(resolve => server.stdout.once('data', d => resolve(String(d).trim())));
          const env = {
            PATH: process.env.PATH,
            INSTANCE_PODS: '127',
            POD_DOMAIN: '0.0.1',
            PATRONI_PORT: port,
            TLS_DIR: tls,
            WAIT_SECONDS: String(wait),
            TRIGGER: 'maint-1',
            ...(target ? { TARGET_INSTANCE: target } : {}),
          };
          const run = await new Promise<{ code: number; out: string }>(resolve => execFile('python3', ['-c', script], { env, timeout: 20_000 },
            (e, out) => resolve({ code: e ? Number((e as any).code) : 0, out })));
          const requests = JSON.parse(fs.readFileSync(log, 'utf8'));
          return { ...run, requests };
        } finally {
          server.kill();
        }
      };
      // The leader is the pod the script reaches (127, at 127.0.0.1).
      const healthy = { members: [member('127', 'leader', 'running'), member('p1', 'sync_standby', 'streaming')] };

      const noop = await scenario('127', healthy, [500, 'not asked']);
      expect(noop.code).toBe(0);
      expect(noop.out).toContain('switchover: 127 already leads: nothing to do');
      expect(noop.requests.map((r: any) => r[0])).toEqual(['GET']);

      const refused = await scenario('p1', healthy, [412, 'candidate name does not match with sync_standby']);
      expect(refused.code).toBe(1);
      expect(refused.out).toContain('switchover: FAILED: Patroni did not switch over: HTTP 412 candidate name does not match with sync_standby');
      // The POST names the leader and the candidate, with the client certificate.
      expect(refused.requests[1]).toEqual(['POST', '/switchover', true, { leader: '127', candidate: 'p1' }]);

      const done = await scenario(undefined, healthy, [200, 'Successfully switched over to "p1"']);
      expect(done.code).toBe(0);
      expect(done.requests[1]).toEqual(['POST', '/switchover', true, { leader: '127' }]);
      expect(done.out).toContain('switchover: done: p1 leads and is running on timeline 2; 127 was the leader');

      // No running leader (a cluster still starting): it waits, then fails, within its bound.
      const starting = await scenario(undefined, { members: [member('127', 'replica', 'starting')] }, [500, 'not asked'], 1);
      expect(starting.code).toBe(1);
      expect(starting.out).toContain('switchover: waiting: no running leader');
      expect(starting.out).toContain('switchover: FAILED: the cluster is not ready after 1 s: no running leader');
      fs.rmSync(tls, { recursive: true, force: true });
    }, 60_000);

    test('the script: python3 compiles it, and it logs each step as `switchover: ...`', () => {
      const [job] = jobs(withSwitchover({ trigger: 'maint-1' }));
      const script = job.spec.template.spec.containers[0].command[3];
      execFileSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "switchover", "exec")'], { input: script });
      for (const line of ['already leads: nothing to do', 'asking %s to switch over', 'done: %s leads and is running', 'FAILED: ']) {
        expect(script).toContain(line);
      }
    });
  });
});
