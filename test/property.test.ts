/**
 * Property-based tests over the public API, for both targets: any generated input either synthesizes manifests
 * that pass the CRD and Kubernetes schemas, the restricted Pod Security checks and the credential checks, with
 * every setting present in the output, or throws a ValidationError whose every line names a field. Never a
 * TypeError, never `undefined` in the output.
 *
 * FC_NUM_RUNS sets the number of cases per target (2000 in `npm test`; `npm run test:long` runs 50000).
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  BackupRepo, BackupRetention, BackupSchedule, BackupType, CaCertificate, CollisionPolicy, CompressionType, CredentialSource,
  DeploymentTarget, FullRetentionType, IvoryCluster, IvoryClusterProps, ManualBackup, PgBackRestVersion, RestoreCheck, RecoveryTarget,
  RepoCredentials,
  RepoEncryption, Restore, S3UriStyle, Standby, TlsCertificates, UserPassword, VolumeAccessMode,
} from '../src';
import { validateManifests } from './support/schemas';
import { credentialLeaks, rbacViolations, restrictedViolations } from './support/security';

const RUNS = Number(process.env.FC_NUM_RUNS ?? 2000);
const SECRET = 'prop-secret-value-7f3a';

/**
 * The props generator. With `invalid`, about one value in ten is invalid (the refusals are exercised); without,
 * every single value is valid (synthesis is exercised, though combinations can still be refused).
 */
function propsFor(t: DeploymentTarget, invalid: boolean): fc.Arbitrary<IvoryClusterProps> {
  const maybe = <T>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> =>
    (invalid ? fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: bad }) : valid);
  const opt = <T>(a: fc.Arbitrary<T>, freq = 2) => fc.option(a, { nil: undefined, freq });
  // Composed rather than fc.stringMatching, which is slow.
  const dnsLabel = fc.tuple(fc.constantFrom('pg', 'db', 'hippo', 'orders', 'a'), fc.integer({ min: 0, max: 999 }), fc.constantFrom('', '-x', '-prod'))
    .map(([a, n, b]) => `${a}${n}${b}`);
  const junk = fc.oneof(fc.constant(''), fc.constant('Bad_Name'), fc.string({ maxLength: 8 }), fc.constant('a'.repeat(70)));
  const hour = fc.integer({ min: 0, max: 23 });
  const minute = fc.integer({ min: 0, max: 59 });
  const cron = maybe(
    fc.oneof(
      fc.tuple(minute, hour).map(([m, h]) => `${m} ${h} * * *`),
      fc.tuple(minute, hour, fc.integer({ min: 0, max: 6 })).map(([m, h, d]) => `${m} ${h} * * ${d}`),
      fc.tuple(minute, fc.integer({ min: 1, max: 28 })).map(([m, d]) => `${m} 2 ${d} * *`),
      fc.constantFrom('@weekly', '15 */4 * * 1-5', '45 3 1,15 * *'),
    ),
    fc.constantFrom('0 3 * * * *', '@every 1h', '0 0 * * 7', '0 0 L * *', 'garbage', '61 * * * *'),
  );
  const schedule = fc.record({
    full: opt(cron),
    differential: opt(cron, 4),
    incremental: opt(cron, 4),
    // IVYO's CronJobs have no time zone: only the standalone target takes one.
    timeZone: opt(t === DeploymentTarget.STANDALONE ? maybe(fc.constantFrom('UTC', 'Europe/Berlin'), fc.constant('Mars/Base'))
      : maybe(fc.constant('UTC'), fc.constant('Europe/Berlin')), 3),
  }).map(p => new BackupSchedule(p));
  const retention = fc.oneof(
    fc.tuple(maybe(fc.integer({ min: 1, max: 30 }), fc.integer({ min: -3, max: 0 })), opt(fc.integer({ min: 1, max: 20 })))
      .map(([n, diff]) => BackupRetention.fullCount(n, { differentialBackups: diff })),
    fc.integer({ min: 1, max: 60 }).map(n => BackupRetention.fullDays(n)),
    fc.tuple(fc.constantFrom(BackupType.FULL, BackupType.DIFFERENTIAL), opt(fc.integer({ min: 1, max: 10 })))
      .map(([type, a]) => new BackupRetention({ full: 2, fullType: FullRetentionType.COUNT, archiveType: type, archiveBackups: a })),
    maybe(fc.constant(BackupType.INCREMENTAL), fc.constant(BackupType.INCREMENTAL)).chain(type =>
      (invalid ? opt(fc.integer({ min: 1, max: 10 })) : fc.integer({ min: 1, max: 10 }))
        .map(a => new BackupRetention({ full: 2, archiveType: type, archiveBackups: a }))),
  );
  // The operator target reads secret values only from conf files: plain Secret keys suit the standalone target.
  const valueSource = fc.oneof(
    ...(t === DeploymentTarget.STANDALONE || invalid
      ? [fc.tuple(maybe(dnsLabel, junk), maybe(fc.constantFrom('key', 'secret'), fc.constant('bad key'))).map(([n, k]) => CredentialSource.fromSecret(n, k))]
      : []),
    maybe(fc.constant('vault/key'), fc.constant('')).map(k => CredentialSource.fromExternalSecret(k, 'value')),
  );
  const fileSource = fc.oneof(
    fc.tuple(maybe(dnsLabel, junk), fc.constant('key.json')).map(([n, k]) => CredentialSource.fromSecret(n, k)),
    fc.constant(CredentialSource.fromExternalSecret('vault/gcs', 'json')),
  );
  const common = fc.record({
    name: invalid ? opt(fc.constantFrom('repo1', 'repo2', 'repo5', 'x'), 4) : fc.constant(undefined as string | undefined),
    path: opt(maybe(fc.constantFrom('/pgbackrest/custom', '/backups/a/b'), fc.constantFrom('relative', '//x', '/a/')), 4),
    schedule: opt(schedule),
    retention: opt(retention),
    encryption: opt(valueSource.map(s => RepoEncryption.aes256Cbc(s)), 3),
  });
  const bucket = maybe(fc.tuple(fc.constantFrom('backups', 'pg-archive', 'team1-wal', 'x9z'), fc.integer({ min: 0, max: 99999 })).map(([a,
    n]) => `${a}-${n}`),
  fc.constantFrom('ab', 'Bad', 'a..b', 'goog-x'));
  const volumeMode = maybe(fc.constantFrom(VolumeAccessMode.READ_WRITE_ONCE, VolumeAccessMode.READ_WRITE_MANY),
    fc.constant(t === DeploymentTarget.STANDALONE ? VolumeAccessMode.READ_WRITE_ONCE_POD : VolumeAccessMode.READ_WRITE_ONCE));
  const repo = fc.oneof(
    fc.tuple(common, fc.integer({ min: 1, max: 500 }), volumeMode)
      .map(([c, gi, accessMode]) => BackupRepo.volume({ ...c, path: c.name && c.path ? `/pgbackrest/${c.name}/sub` : undefined, size: Size.gibibytes(gi), accessMode })),
    fc.tuple(common, bucket, fc.boolean(), valueSource, fc.boolean(), fc.boolean()).map(([c, b, path, s, ca, keys]) => BackupRepo.s3({
      ...c,
      bucket: b,
      region: 'us-east-1',
      uriStyle: path ? S3UriStyle.PATH : undefined,
      caCertificate: ca ? CaCertificate.fromSecret('store-ca', 'ca.crt') : undefined,
      credentials: keys
        ? RepoCredentials.s3AccessKey({ accessKeyId: s, secretAccessKey: s })
        : RepoCredentials.s3WebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/pg' }),
    })),
    fc.tuple(common, bucket, fileSource)
      .map(([c, b, s]) => BackupRepo.gcs({ ...c, bucket: b, credentials: RepoCredentials.gcsServiceAccountKey(s) })),
    fc.tuple(common, bucket, valueSource).map(([c, b, s]) => BackupRepo.azure({ ...c, container: b, credentials: RepoCredentials.azureSharedKey({ account: 'acct1', key: s }) })),
  );
  return fc.record({
    target: fc.constant(t),
    name: opt(maybe(dnsLabel, junk)),
    namespace: opt(maybe(dnsLabel, junk)),
    postgresVersion: opt(maybe(fc.constant(18), fc.integer({ min: 5, max: 25 }))),
    image: opt(maybe(fc.constant('registry.example/ivorysql:18'), fc.constant('has space'))),
    pgbackrestVersion: opt(maybe(fc.constantFrom(PgBackRestVersion.V2_45, PgBackRestVersion.V2_53, PgBackRestVersion.V2_58), fc.constant(PgBackRestVersion.of('1.0')))),
    port: opt(maybe(fc.integer({ min: 1024, max: 65535 }), fc.integer({ min: -1, max: 1023 }))),
    labels: opt(fc.dictionary(maybe(fc.constantFrom('team', 'app.kubernetes.io/part-of'), fc.constant('Bad Key')), maybe(fc.constantFrom('payments', 'x'), fc.constant('bad value!')))),
    instances: opt(fc.uniqueArray(fc.record({
      name: opt(maybe(dnsLabel, junk)),
      replicas: opt(maybe(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -1, max: 0 }))),
      dataVolumeSize: opt(fc.integer({ min: 1, max: 100 }).map(g => Size.gibibytes(g))),
    }), { minLength: invalid ? 0 : 1, maxLength: 3, selector: i => i.name ?? '' })),
    repos: fc.array(repo, { minLength: invalid ? 0 : 1, maxLength: invalid ? 5 : 4 }),
    // A credential written as an option is refused whatever its value; other options are echoed.
    pgbackrestOptions: opt(fc.dictionary(maybe(fc.constantFrom('compress-level', 'log-level-file'), fc.constantFrom('repo1-s3-key', 'repo2-cipher-pass', 'Bad', 'repo')),
      fc.constantFrom('3', 'detail', SECRET)).filter(o => Object.entries(o).every(([k, v]) => v !== SECRET || /key|pass/.test(k)))),
    tuning: opt(fc.record({
      compressType: opt(fc.constantFrom(CompressionType.LZ4, CompressionType.ZST, CompressionType.GZ)),
      compressLevel: opt(maybe(fc.integer({ min: 1, max: 9 }), fc.integer({ min: -10, max: 25 }))),
      processMax: opt(maybe(fc.integer({ min: 1, max: 8 }), fc.constant(0))),
      archiveAsync: opt(fc.boolean()),
    })),
    backupJobs: opt(fc.record({
      ttlAfterFinished: opt(maybe(fc.integer({ min: 60, max: 7200 }), fc.integer({ min: 0, max: 59 })).map(sec => Duration.seconds(sec))),
    })),
    manualBackup: opt(fc.tuple(maybe(fc.constant('repo1'), fc.constantFrom('repo2', 'repo9')), fc.constantFrom(BackupType.FULL, BackupType.INCREMENTAL),
      maybe(fc.constantFrom([], ['--annotation=a=b']), fc.constant(['--repo=1'])))
      .map(([r, type, o]) => ({ repoName: r, backupType: type, options: o })), 3),
    inPlaceRestore: opt(fc.tuple(maybe(fc.constant('repo1'), fc.constant('repo2')), maybe(fc.constant(true), fc.constant(false)),
      maybe(fc.constantFrom(RecoveryTarget.immediate(), RecoveryTarget.time('2026-11-26 10:00:00+00')), fc.constant(RecoveryTarget.time('yesterday'))))
      .map(([r, ok, tg]) => Restore.inPlace({ restoreId: 'r1', repoName: r, confirmOverwrite: ok, target: tg })), 4),
    // A standalone streaming standby starts its instances from the primary's backups, so it names their repo.
    standby: opt(fc.constantFrom(Standby.fromRepo('repo1'),
      Standby.fromHost({ host: 'primary.example', port: 5432, ...(t === DeploymentTarget.STANDALONE ? { repoName: 'repo1' } : {}) })), 6),
    externalSecretStore: invalid ? opt(fc.constant({ name: 'vault' })) : fc.constant({ name: 'vault' }),
    users: opt(fc.uniqueArray(fc.record({
      name: maybe(dnsLabel, fc.constantFrom('ivorysql', 'replicator', 'App', 'a_b', '')),
      databases: opt(fc.uniqueArray(maybe(fc.constantFrom('app', 'orders', 'reports', 'db_1'), fc.constantFrom('postgres', 'Bad', '1x', 'a b')), { maxLength: 3 })),
      createDatabases: opt(fc.boolean()),
      connectionLimit: opt(maybe(fc.integer({ min: -1, max: 100 }), fc.integer({ min: -5, max: -2 }))),
      password: opt(t === DeploymentTarget.STANDALONE
        ? fc.constantFrom(UserPassword.generated(), UserPassword.generated({ alphanumeric: true, length: 20 }), UserPassword.fromSecret('app-password'),
          UserPassword.fromExternalSecret('db/app', 'password'))
        : maybe(fc.constantFrom(UserPassword.generated(), UserPassword.generated({ alphanumeric: true })), fc.constant(UserPassword.fromSecret('app-password'))))
        .map(p => p as UserPassword | undefined),
    }), { maxLength: 3, selector: u => u.name })),
    backupPlan: fc.constant({ collisions: CollisionPolicy.WARN, writeReport: false }),
  }).map(p => {
    const props: { [key: string]: unknown } = { ...p };
    if (!invalid) {
      // Valid combinations: a standby is not restored in place, and without highAvailability (never generated here) the
      // standalone target restores in place with one instance.
      if (props.standby) delete props.inPlaceRestore;
      // Users are declared on a primary cluster (a standby's catalog is its primary's).
      if (props.standby) delete props.users;
      if (props.inPlaceRestore) delete props.instances;
    }
    return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as unknown as IvoryClusterProps;
  });
}

/** Every input value that must show in the output when synthesis succeeds: nothing is silently dropped. */
function expectedFragments(props: IvoryClusterProps, cluster: IvoryCluster): string[] {
  const out: string[] = [String(cluster.clusterName), String(cluster.namespace)];
  for (const r of props.repos ?? []) {
    const s = r._storage;
    if (s.bucket) out.push(s.bucket);
    if (s.container) out.push(s.container);
    for (const c of [r.schedule?.full, r.schedule?.differential, r.schedule?.incremental]) if (c) out.push(c);
    if (r.retention) out.push('-retention-full', String(r.retention.full));
    if (r.encryption) out.push('aes-256-cbc');
    // IVYO writes a volume repo's default path itself.
    const implied = props.target === DeploymentTarget.OPERATOR && s.storage === 'volume' && r.requestedPath === `/pgbackrest/${cluster.repoNameOf(r)}`;
    if (r.requestedPath && !implied) out.push(r.requestedPath);
  }
  if (props.port) out.push(String(props.port));
  for (const [k, v] of Object.entries(props.pgbackrestOptions ?? {})) out.push(k, v);
  for (const [k, v] of Object.entries(props.labels ?? {})) out.push(k, v);
  const manual = cluster.node.children.find((c): c is ManualBackup => c instanceof ManualBackup);
  if (manual) out.push(manual.backupId);
  if (props.inPlaceRestore) out.push(props.inPlaceRestore.restoreId as string);
  for (const u of props.users ?? []) out.push(u.name, ...(u.databases ?? []));
  return out;
}

function check(props: IvoryClusterProps): 'synthesized' | 'refused' {
  const chart = Testing.chart();
  let cluster: IvoryCluster;
  let manifests: any[];
  try {
    cluster = new IvoryCluster(chart, 'cluster', props);
    // Checks of the whole cluster run at synth: a refusal there is as clear as one at construction.
    manifests = Testing.synth(chart);
  } catch (e) {
    const err = e as Error & { problems?: string[] };
    if (err.name !== 'ValidationError') throw new Error(`not a validation error: ${err.stack}`);
    expect(err.message).toMatch(/^Invalid configuration at 'test\/cluster':\n {2}- /);
    for (const problem of err.problems ?? []) expect(problem).toMatch(/^[a-zA-Z][\w.[\]"\-\s()/]*: /);
    // A refused credential is named by its option, never echoed.
    expect(err.message).not.toContain(SECRET);
    return 'refused';
  }
  const text = JSON.stringify(manifests);
  expect(text).not.toMatch(/undefined|NaN|\[object Object\]/);
  validateManifests(manifests);
  expect(restrictedViolations(manifests)).toEqual([]);
  expect(rbacViolations(manifests)).toEqual([]);
  expect(credentialLeaks(manifests, [SECRET])).toEqual([]);
  for (const fragment of expectedFragments(props, cluster)) {
    if (!text.includes(JSON.stringify(fragment).slice(1, -1))) throw new Error(`setting dropped: ${fragment} is not in the manifests`);
  }
  return 'synthesized';
}

describe.each([DeploymentTarget.OPERATOR, DeploymentTarget.STANDALONE])('any input to the %s target', t => {
  test(`gives valid, safe manifests with every setting, or a ValidationError naming fields (${RUNS} cases)`, () => {
    const outcome = { synthesized: 0, refused: 0 };
    const arbitrary = fc.boolean().chain(invalid => propsFor(t, invalid));
    if (process.env.FC_DEBUG) {
      const reasons = new Map<string, number>();
      for (const p of fc.sample(propsFor(t, false), 300)) {
        try { new IvoryCluster(Testing.chart(), 'c', p); } catch (e) {
          for (const line of ((e as any).problems ?? [String(e)])) {
            const key = line.replace(/"[^"]*"/g, '"…"').replace(/\[\d+\]/g, '[i]').slice(0, 90);
            reasons.set(key, (reasons.get(key) ?? 0) + 1);
          }
        }
      }
      process.stdout.write([...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, n]) => `${n} ${k}`).join('\n') + '\n');
    }
    fc.assert(fc.property(arbitrary, props => { outcome[check(props)]++; }), { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 42) });
    // Both paths are exercised, a good share each.
    expect(outcome.synthesized).toBeGreaterThan(RUNS * 0.2);
    expect(outcome.refused).toBeGreaterThan(RUNS * 0.2);
    process.stdout.write(`${t}: ${RUNS} cases, ${outcome.synthesized} synthesized, ${outcome.refused} refused\n`);
  }, 600_000);
});

/**
 * Wrong types, numbers at and beyond their bounds, and misspelled props at every public entry point (issue 11), as a
 * JavaScript or jsii user whose types nobody checked could pass them: each case synthesizes valid manifests or is a
 * ValidationError naming the prop given; never another error. A quarter of FC_NUM_RUNS cases.
 */
describe('wrong types, bounds and typos at every entry point', () => {
  const js = (v: unknown) => v as any;
  const vol = (extra: object = {}) => BackupRepo.volume({ size: Size.gibibytes(1), ...extra });
  const creds = () => RepoCredentials.s3AccessKey({
    accessKeyId: CredentialSource.fromExternalSecret('a/b', 'id'), secretAccessKey: CredentialSource.fromExternalSecret('a/b', 'secret'),
  });
  const s3 = (extra: object = {}) => BackupRepo.s3({ bucket: 'acme-backups', region: 'us-east-1', credentials: creds(), ...extra });
  const inPlace = (extra: object = {}) => Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, ...extra });
  /** Each entry point: the field its value is reported under, and cluster props carrying `v` there. */
  const points: [string, (v: any) => Partial<IvoryClusterProps>][] = [
    ...['name', 'namespace', 'postgresVersion', 'image', 'port', 'labels', 'annotations', 'repos', 'pgbackrestOptions', 'instances', 'tuning',
      'backupJobs', 'standby', 'manualBackup', 'backupDeletions', 'restoreChecks', 'externalSecretStore', 'standalone', 'backupPlan', 'pgbackrestVersion']
      .map(k => [k, (v: any) => ({ [k]: v })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ...['replicas', 'dataVolumeSize', 'walVolumeSize', 'storageClassName', 'resources'].map(k =>
      [`instances[0].${k}`, (v: any) => ({ instances: [{ [k]: v }] })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ...['compressLevel', 'processMax', 'archiveAsync', 'archiveTimeout', 'archivePushQueueMax', 'blockIncremental'].map(k =>
      [`tuning.${k}`, (v: any) => ({ tuning: { [k]: v } })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ...['ttlAfterFinished', 'successfulJobsRetained', 'activeDeadline', 'lockWait', 'startingDeadline'].map(k =>
      [`backupJobs.${k}`, (v: any) => ({ backupJobs: { [k]: v } })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ...['runAsUser', 'fsGroup', 'userFromPlatform', 'tls'].map(k =>
      [`standalone.${k}`, (v: any) => ({ standalone: { [k]: v } })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ...['size', 'path', 'name', 'retention', 'schedule', 'encryption', 'accessMode'].map(k =>
      [`repos[0].${k}`, (v: any) => ({ repos: [vol({ [k]: v })] })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ...['bucket', 'region', 'verifyTls', 'port', 'caCertificate', 'credentials'].map(k =>
      [`repos[0].${k}`, (v: any) => ({ repos: [s3({ [k]: v })] })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ['repos[0]', v => ({ repos: [js(BackupRepo).volume(v)] })],
    ['repos[0]', v => ({ repos: [js(BackupRepo).s3(v)] })],
    ['repos[0].schedule', v => ({ repos: [vol({ schedule: new BackupSchedule(v) })] })],
    ['repos[0].schedule', v => ({ repos: [vol({ schedule: BackupSchedule.dailyFullHourlyIncremental(v) })] })],
    ['repos[0].schedule.hour', v => ({ repos: [vol({ schedule: BackupSchedule.dailyFull({ hour: v }) })] })],
    ['repos[0].schedule.minute', v => ({ repos: [vol({ schedule: BackupSchedule.weeklyFullDailyDifferential({ minute: v }) })] })],
    ['repos[0].schedule.full', v => ({ repos: [vol({ schedule: new BackupSchedule({ full: v }) })] })],
    ['repos[0].retention', v => ({ repos: [vol({ retention: BackupRetention.fullCount(v) })] })],
    ['repos[0].retention', v => ({ repos: [vol({ retention: BackupRetention.fullDays(v) })] })],
    ['repos[0].retention', v => ({ repos: [vol({ retention: BackupRetention.fullCount(2, v) })] })],
    ['repos[0].retention.differentialBackups', v => ({ repos: [vol({ retention: BackupRetention.fullCount(2, { differentialBackups: v }) })] })],
    ['repos[0].encryption.passphrase', v => ({ repos: [vol({ encryption: RepoEncryption.aes256Cbc(v) })] })],
    ['repos[0].credentials', v => ({ repos: [s3({ credentials: js(RepoCredentials).s3AccessKey(v) })] })],
    ['repos[0].credentials', v => ({ repos: [s3({ credentials: js(RepoCredentials).s3InstanceRole(v) })] })],
    ['repos[0].credentials.accessKeyId', v => ({ repos: [s3({ credentials: RepoCredentials.s3AccessKey({ accessKeyId: v, secretAccessKey: CredentialSource.fromExternalSecret('a', 'b') }) })] })],
    ['repos[0].credentials.s3Key.secretName', v => ({ repos: [s3({ credentials: RepoCredentials.s3AccessKey({ accessKeyId: CredentialSource.fromSecret(v, 'k'), secretAccessKey: CredentialSource.fromExternalSecret('a', 'b') }) })] })],
    ['repos[0].caCertificate.name', v => ({ repos: [s3({ caCertificate: CaCertificate.fromSecret(v, 'ca.crt') })] })],
    ['inPlaceRestore', v => ({ inPlaceRestore: js(Restore).inPlace(v) })],
    ...['restoreId', 'repoName', 'confirmOverwrite', 'target', 'options'].map(k =>
      [`inPlaceRestore.${k}`, (v: any) => ({ inPlaceRestore: inPlace({ [k]: v }) })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ['inPlaceRestore.target.time', v => ({ inPlaceRestore: inPlace({ target: RecoveryTarget.time(v) }) })],
    ['inPlaceRestore.target.time', v => ({ inPlaceRestore: inPlace({ target: RecoveryTarget.date(v) }) })],
    ['inPlaceRestore.target.transactionId', v => ({ inPlaceRestore: inPlace({ target: RecoveryTarget.transactionId(v) }) })],
    ['inPlaceRestore.target', v => ({ inPlaceRestore: inPlace({ target: RecoveryTarget.immediate(v) }) })],
    ['inPlaceRestore.target.exclusive', v => ({ inPlaceRestore: inPlace({ target: RecoveryTarget.lsn('0/3000028', { exclusive: v }) }) })],
    ['restoreFrom', v => ({ restoreFrom: js(Restore).fromClusterName(v) })],
    ['restoreFrom.repo', v => ({ restoreFrom: Restore.fromRepo(v) })],
    ['restoreFrom', v => ({ restoreFrom: Restore.fromRepo(s3({ path: '/old' }), v) })],
    ['standby.repoName', v => ({ standby: Standby.fromRepo(v) })],
    ['standby', v => ({ standby: js(Standby).fromHost(v) })],
    // A streaming standby of either target: the standalone one starts from a backup of the primary in repoName.
    ['standby.port', v => ({ repos: [s3({ path: '/pgbackrest/db/primary/repo1' })], standby: Standby.fromHost({ host: 'primary.example', port: v, repoName: 'repo1' }) })],
    ['manualBackup', v => ({ manualBackup: v })],
    ['manualBackup.options', v => ({ manualBackup: { repoName: 'repo1', options: v } })],
    ['backupDeletions[0]', v => ({ target: DeploymentTarget.STANDALONE, backupDeletions: [v] })],
    ['backupDeletions[0].force', v => ({ target: DeploymentTarget.STANDALONE, backupDeletions: [{ repoName: 'repo1', backupSet: '20260101-010000F', confirmDelete: true, force: v }] })],
    ['restoreChecks[0]', v => ({ target: DeploymentTarget.STANDALONE, restoreChecks: [v] })],
    ['restoreChecks[0].volumeSize', v => ({ target: DeploymentTarget.STANDALONE, restoreChecks: [{ checkId: 'c1', repoName: 'repo1', volumeSize: v }] })],
    ['users', v => ({ users: v })],
    ['users[0]', v => ({ target: DeploymentTarget.STANDALONE, users: [v] })],
    ...['name', 'databases', 'createDatabases', 'createRoles', 'connectionLimit', 'password'].map(k =>
      [`users[0].${k}`, (v: any) => ({ target: DeploymentTarget.STANDALONE, users: [{ name: 'app', [k]: v }] })] as [string, (v: any) => Partial<IvoryClusterProps>]),
    ['users[0].password', v => ({ target: DeploymentTarget.STANDALONE, users: [{ name: 'app', password: js(UserPassword).generated(v) }] })],
    ['users[0].password.secretName', v => ({ target: DeploymentTarget.STANDALONE, users: [{ name: 'app', password: UserPassword.fromSecret(v) }] })],
    ['users[0].password.remoteKey', v => ({ target: DeploymentTarget.STANDALONE, users: [{ name: 'app', password: UserPassword.fromExternalSecret(v) }] })],
    ['standalone.tls', v => ({ target: DeploymentTarget.STANDALONE, standalone: { tls: js(TlsCertificates).fromSecrets(v) } })],
    ['standalone.tls', v => ({ target: DeploymentTarget.STANDALONE, standalone: { tls: TlsCertificates.certManager(v) } })],
  ];
  /** Values of the wrong kind, numbers at and beyond the bounds fields have, and objects with misspelled props. */
  const hostile = fc.oneof(
    fc.constantFrom(undefined, null, '', 'x', 'false', 'true', 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 1023, 1024, 65535, 65536,
      8432, 59, 60, 23, 24, 9_999_999, 10_000_000, true, false, [], {}, [null], js([, 1]), Symbol('s'), 10n, () => 1, new Date(NaN),
      Size.kibibytes(1.5), Size.gibibytes(NaN), Size.gibibytes(1.5), Size.gibibytes(Infinity), Duration.millis(1500), Duration.seconds(2 ** 31),
      Duration.minutes(0), Duration.seconds(NaN), Duration.hours(1), JSON.parse('{"__proto__": "x"}'), { constructor: 'x' }, { storage: 'volume' }),
    // Typos of real prop names, with a plausible value.
    fc.tuple(fc.constantFrom('sizee', 'storageClass', 'ful', 'hours', 'confirmOverwite', 'reponame', 'forse', 'retension', 'diffBackups', 'tls-cert'),
      fc.constantFrom('1', 1, true)).map(([k, v]) => ({ [k]: v })),
  );

  test(`are refused naming the prop, never thrown otherwise (${Math.ceil(RUNS / 4)} cases)`, () => {
    const outcome = { synthesized: 0, refused: 0 };
    const targets = fc.constantFrom(DeploymentTarget.OPERATOR, DeploymentTarget.STANDALONE);
    fc.assert(fc.property(fc.integer({ min: 0, max: points.length - 1 }), hostile, targets,
      (i, value, t) => {
        const [field, build] = points[i];
        let built: Partial<IvoryClusterProps>;
        try {
          built = build(value);
        } catch (e) {
          // Factories of cdk8s itself are not ours; ours never throw.
          throw new Error(`${field}: building the props threw ${(e as Error).stack}`);
        }
        const chart = Testing.chart();
        let manifests: any[];
        try {
          new IvoryCluster(chart, 'cluster', { target: t, repos: [vol()], externalSecretStore: { name: 'vault' }, backupPlan: { writeReport: false }, ...built } as IvoryClusterProps);
          manifests = Testing.synth(chart);
        } catch (e) {
          const err = e as Error & { problems?: string[] };
          if (err.name !== 'ValidationError') throw new Error(`${field} = ${String(value)}: not a validation error: ${err.stack}`);
          for (const problem of err.problems ?? []) expect(problem).toMatch(/^[a-zA-Z][\w.[\]"\-\s()/]*: /);
          // The prop given is named (or a field inside it, or the object it is part of).
          const fields = (err.problems ?? []).map(p => p.slice(0, p.indexOf(': ')));
          if (!fields.some(f => f.startsWith(field) || field.startsWith(f))) {
            throw new Error(`${field} = ${String(value)}: refused without naming it: ${err.message}`);
          }
          outcome.refused++;
          return;
        }
        expect(JSON.stringify(manifests)).not.toMatch(/undefined|NaN|Infinity|\[object Object\]/);
        validateManifests(manifests);
        outcome.synthesized++;
      }), { numRuns: Math.ceil(RUNS / 4), seed: Number(process.env.FC_SEED ?? 11) });
    expect(outcome.refused).toBeGreaterThan(0);
    process.stdout.write(`wrong types, bounds and typos: ${Math.ceil(RUNS / 4)} cases, ${outcome.synthesized} synthesized, ${outcome.refused} refused\n`);
  }, 600_000);
});

/** Synthesizes `build`'s cluster in a fresh app: its manifests, or the ValidationError's message. */
function outcomeOf(build: (chart: Chart) => void): { manifests: any[] } | { message: string } {
  const chart = Testing.chart();
  try {
    build(chart);
    return { manifests: Testing.synth(chart) };
  } catch (e) {
    if ((e as Error).name !== 'ValidationError') throw e;
    return { message: (e as Error).message };
  }
}

describe.each([DeploymentTarget.OPERATOR, DeploymentTarget.STANDALONE])('the mutators of the %s target', t => {
  test(`props given at construction and the same added later give the same manifests, or the same refusal (${Math.ceil(RUNS / 4)} cases)`, () => {
    const outcome = { same: 0, refused: 0 };
    fc.assert(fc.property(fc.boolean().chain(invalid => propsFor(t, invalid)), props => {
      const given = outcomeOf(chart => new IvoryCluster(chart, 'cluster', props));
      const added = outcomeOf(chart => {
        const { repos, instances, manualBackup, backupDeletions, restoreChecks, users, ...rest } = props;
        // An empty instance list is refused at construction; it cannot be fed later.
        const cluster = new IvoryCluster(chart, 'cluster', { ...rest, instances: instances?.length === 0 ? [] : instances?.slice(0, 1) });
        for (const set of instances?.slice(1) ?? []) cluster.addInstanceSet(set);
        for (const repo of repos ?? []) cluster.addRepo(repo);
        if (manualBackup) cluster.addManualBackup('ManualBackup', manualBackup);
        (backupDeletions ?? []).forEach((d, i) => cluster.addBackupDeletion(`deletion${i}`, d));
        for (const c of restoreChecks ?? []) cluster.addRestoreCheck(String(c.checkId), c);
        for (const u of users ?? []) cluster.addUser(u);
      });
      if ('manifests' in given) {
        // The same objects, byte for byte.
        expect(added).toEqual(given);
        outcome.same++;
      } else {
        expect(added).toHaveProperty('message');
        // Refused either way; a refusal of a value added later names the call or the list position it took.
        outcome.refused++;
      }
    }), { numRuns: Math.ceil(RUNS / 4), seed: Number(process.env.FC_SEED ?? 7) });
    expect(outcome.same).toBeGreaterThan(RUNS / 4 * 0.1);
    expect(outcome.refused).toBeGreaterThan(0);
  });
});

describe('a value added after construction', () => {
  const volume = () => BackupRepo.volume({ size: Size.gibibytes(1) });
  const grown = (chart: Chart) => new IvoryCluster(chart, 'hippo', { target: DeploymentTarget.STANDALONE, repos: [volume()], backupPlan: { writeReport: false } });

  test('is refused at the call when it is wrong on its own, naming the list position it would take', () => {
    const chart = Testing.chart();
    const cluster = grown(chart);
    expect(() => cluster.addRepo(BackupRepo.volume({ size: Size.gibibytes(1), name: 'repo1' })))
      .toThrow(/Invalid configuration at 'test\/hippo':\n {2}- repos\[1\]\.name: "repo1": is already the name of repos\[0\] \(given to it when it was added, as it had no name; name it\)/);
    expect(() => cluster.addInstanceSet({ replicas: 0 })).toThrow(/instances\[1\]\.replicas: 0: must be a whole number from 1 to 100/);
    expect(() => cluster.addRestoreCheck('Resources', { repoName: 'repo1' })).toThrow(/addRestoreCheck\("Resources"\): id: "Resources": is already the id of a construct of this cluster \(its own scope\)/);
    expect(() => cluster.addRestoreCheck('BAD', { repoName: 'repo1' })).toThrow(/test\/hippo\/BAD|addRestoreCheck\("BAD"\)\.checkId: "BAD": must be 1 to 22 lowercase letters/);
    cluster.addManualBackup('first', { repoName: 'repo1' });
    expect(() => cluster.addManualBackup('second', { repoName: 'repo1' })).toThrow(/a cluster takes one manual backup at a time/);
  });

  test('is refused at synth when it refers to what the cluster lacks, naming its call', () => {
    const chart = Testing.chart();
    const cluster = grown(chart);
    cluster.addRestoreCheck('nightly', { repoName: 'repo3' });
    expect(() => Testing.synth(chart)).toThrow(/Invalid configuration at 'test\/hippo':\n {2}- addRestoreCheck\("nightly"\)\.repoName: "repo3": the repo restored from must be one of this cluster's repos: repo1/);
  });

  test('a fifth repo is refused, and repos is a copy: pushing onto it changes nothing', () => {
    const chart = Testing.chart();
    const cluster = grown(chart);
    for (let i = 0; i < 3; i++) cluster.addRepo(volume());
    expect(() => cluster.addRepo(volume())).toThrow(/repos\[4\]: "5 repos": a cluster has at most 4 repos/);
    cluster.repos.push(volume());
    expect(cluster.repos).toHaveLength(4);
    expect(Testing.synth(chart).filter(m => m.kind === 'PersistentVolumeClaim' || m.metadata.name?.includes('repo'))).not.toHaveLength(0);
  });

  test('the analysis read before an addition sees it afterwards, also for a construct made in the cluster directly', () => {
    const cluster = grown(Testing.chart());
    expect(cluster.planAnalysis.repoSummaries.map(r => r.repoName)).toEqual(['repo1']);
    cluster.addRepo(volume());
    expect(cluster.planAnalysis.repoSummaries.map(r => r.repoName)).toEqual(['repo1', 'repo2']);
    expect(cluster._model.restoreChecks).toEqual([]);
    const weekly = new RestoreCheck(cluster, 'weekly', { repoName: 'repo2' });
    expect(cluster._model.restoreChecks).toEqual([weekly]);
  });

  test('after synth, nothing can be added: the manifests would not show it', () => {
    const chart = Testing.chart();
    const cluster = grown(chart);
    Testing.synth(chart);
    expect(() => cluster.addRepo(volume())).toThrow(/addRepo: the cluster was already synthesized/);
  });
});
