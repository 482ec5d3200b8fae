/**
 * Issue 11, the rest: types checked at run time at every public entry point (for JavaScript and jsii users), bounded
 * work, Kubernetes limits the schemas do not carry, and two writers on one repo location. Every refusal is a
 * ValidationError naming the field, the bad value and what is allowed; never a TypeError or cdk8s's own error.
 */
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  BackupPlanAnalysis, BackupRepo, BackupRetention, BackupSchedule, CredentialSource, DeploymentTarget, IvoryCluster, IvoryClusterProps,
  RecoveryTarget, RepoCredentials, RepoEncryption, Restore, Standby, TlsCertificates,
} from '../src';
import { validationMessage } from './support/synth';
import { SHAPES } from '../src/private/input';

const js = (v: unknown) => v as any;
const volume = (props: object = {}) => BackupRepo.volume({ size: Size.gibibytes(1), ...props });
const s3 = (props: object = {}) => BackupRepo.s3({
  bucket: 'acme-backups',
  region: 'eu-central-1',
  credentials: RepoCredentials.s3AccessKey({
    accessKeyId: CredentialSource.fromExternalSecret('backup/s3', 'id'),
    secretAccessKey: CredentialSource.fromExternalSecret('backup/s3', 'secret'),
  }),
  ...props,
});

/** A cluster in `chart`, synthesized with it: checks of the whole cluster and the app run at synth. */
function make(props: Partial<IvoryClusterProps>, chart = Testing.chart(), id = 'hippo'): IvoryCluster {
  const cluster = new IvoryCluster(chart, id, { repos: [volume()], externalSecretStore: { name: 'vault' }, ...props } as IvoryClusterProps);
  Testing.synth(chart);
  return cluster;
}

function refusal(props: Partial<IvoryClusterProps>): string {
  const message = validationMessage(() => make(props));
  expect(message).toContain("Invalid configuration at 'test/hippo'");
  return message;
}

describe('wrong types are refused with the field, the value and what is allowed', () => {
  test('factories called without props', () => {
    expect(refusal({ repos: [js(BackupRepo).volume()] })).toContain('repos[0]: undefined: must be VolumeRepoProps: an object with at least size');
    expect(refusal({ repos: [js(BackupRepo).s3()] })).toContain('repos[0]: undefined: must be S3RepoProps: an object with at least bucket, region, credentials');
    expect(refusal({ inPlaceRestore: js(Restore).inPlace() }))
      .toContain('inPlaceRestore: undefined: must be InPlaceRestoreProps: an object with at least restoreId, repoName, confirmOverwrite');
    expect(refusal({ manualBackup: js(null) })).toContain('manualBackup: null: must be ManualBackupProps: an object with at least repoName');
    expect(refusal({ repos: [s3({ credentials: js(RepoCredentials).s3AccessKey() })] }))
      .toContain('repos[0].credentials: undefined: must be S3AccessKeyProps: an object with at least accessKeyId, secretAccessKey');
    expect(refusal({ repos: [volume({ schedule: new BackupSchedule(js(null)) })] })).toContain('repos[0].schedule: null: must be BackupScheduleProps');
  });

  test('plain objects where a class instance is expected', () => {
    expect(refusal({ repos: [js({ storage: 'volume' })] }))
      .toContain('repos[0]: {"storage":"volume"}: must be a BackupRepo (BackupRepo.volume, .s3, .gcs or .azure)');
    expect(refusal({ repos: [volume({ retention: { full: 2 } })] }))
      .toContain('repos[0].retention: {"full":2}: must be a BackupRetention (BackupRetention.fullCount or fullDays)');
    expect(refusal({ repos: [volume({ size: { amount: 1, unit: 'Gi' } })] })).toContain('repos[0].size: {"amount":1,"unit":"Gi"}: must be a cdk8s Size');
    expect(refusal({ repos: [volume({ encryption: RepoEncryption.aes256Cbc(js({ key: 'k' })) })] }))
      .toContain('repos[0].encryption.passphrase: {"key":"k"}: must be a CredentialSource');
    expect(refusal({ restoreChecks: [{ checkId: 'c', repoName: 'repo1', target: js({}) }], target: DeploymentTarget.STANDALONE }))
      .toContain('restoreChecks[0].target: {}: must be a RecoveryTarget');
    expect(refusal({ target: DeploymentTarget.STANDALONE, standalone: { tls: js({}) } })).toContain('standalone.tls: {}: must be TlsCertificates');
    expect(refusal({ backupJobs: { ttlAfterFinished: js(3600) } })).toContain('backupJobs.ttlAfterFinished: 3600: must be a cdk8s Duration of a whole number of seconds');
  });

  test('Sizes of whole KiB, Durations of whole seconds, finite numbers', () => {
    // 1.5 GiB is 1572864 KiB: fine.
    expect(() => make({ instances: [{ dataVolumeSize: Size.gibibytes(1.5) }] })).not.toThrow();
    expect(refusal({ instances: [{ dataVolumeSize: Size.kibibytes(1500.5) }] }))
      .toContain('instances[0].dataVolumeSize: "Size of 1500.5 kibibytes": must be a cdk8s Size of a whole number of KiB');
    expect(refusal({ instances: [{ walVolumeSize: Size.gibibytes(NaN) }] })).toContain('instances[0].walVolumeSize: "Size of NaN gibibytes": must be a cdk8s Size');
    expect(refusal({ repos: [volume({ size: Size.gibibytes(Infinity) })] })).toContain('repos[0].size: "Size of Infinity gibibytes"');
    expect(refusal({ backupJobs: { activeDeadline: Duration.millis(1500) } }))
      .toContain('backupJobs.activeDeadline: "Duration of 1 second 500 millis": must be a cdk8s Duration of a whole number of seconds, at most 2147483647 seconds');
    expect(refusal({ backupJobs: { lockWait: Duration.days(30000) } })).toContain('backupJobs.lockWait: "Duration of 30000 days"');
    expect(refusal({ port: NaN })).toContain('port: NaN: must be a finite number');
    expect(refusal({ repos: [volume({ retention: BackupRetention.fullCount(js('3')) })] })).toContain('repos[0].retention.count: "3": must be a finite number');
    expect(refusal({ repos: [volume({ schedule: BackupSchedule.dailyFull({ hour: 1.5 }) })] })).toContain('repos[0].schedule.hour: 1.5: must be a whole number from 0 to 23');
    expect(refusal({ tuning: { archiveTimeout: js({}) } })).toContain('tuning.archiveTimeout: {}: must be a cdk8s Duration');
  });

  test('booleans that are booleans: force "false" is refused, not read as true', () => {
    const deletion = (force: unknown) => ({ repoName: 'repo1', backupSet: '20260101-010000F', confirmDelete: true, force: js(force) });
    const m = refusal({ target: DeploymentTarget.STANDALONE, backupDeletions: [deletion('false')] });
    expect(m).toContain('backupDeletions[0].force: "false": must be true or false (a boolean, not a string or a number)');
    expect(refusal({ inPlaceRestore: Restore.inPlace({ restoreId: 'r', repoName: 'repo1', confirmOverwrite: js('true') }) }))
      .toContain('inPlaceRestore.confirmOverwrite: "true": must be true or false');
    expect(refusal({ repos: [s3({ verifyTls: js('false') })] })).toContain('repos[0].verifyTls: "false": must be true or false');
    expect(refusal({ tuning: { archiveAsync: js(0) } })).toContain('tuning.archiveAsync: 0: must be true or false');
    expect(refusal({ target: DeploymentTarget.STANDALONE, repos: [volume({ schedule: BackupSchedule.dailyFull().withSuspended(js('false')) })] }))
      .toContain('repos[0].schedule.suspended: "false": must be true or false');
    expect(refusal({ repos: [s3({ requesterPays: js('yes') })] })).toContain('repos[0].requesterPays: "yes": must be true or false');
    expect(refusal({ inPlaceRestore: Restore.inPlace({ restoreId: 'r', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.time('2026-01-01 00:00:00+00', { exclusive: js('no') }) }) }))
      .toContain('inPlaceRestore.target.exclusive: "no": must be true or false');
  });

  test('no holes or nulls in lists', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(refusal({ repos: js([volume(), , volume()]) })).toContain('repos[1]: undefined: is a hole in the list; must be BackupRepos');
    expect(refusal({ instances: js([null]) })).toContain('instances[0]: null: must be InstanceSetProps');
    expect(refusal({ backupDeletions: js({}) })).toContain('backupDeletions: {}: must be a list of BackupDeletionProps');
    expect(refusal({ manualBackup: { repoName: 'repo1', options: js(['--annotation=a=b', null]) } }))
      .toContain('manualBackup.options[1]: null: must be a string');
  });

  test('keys such as constructor and __proto__ in maps', () => {
    // A valid Kubernetes label key, but cdk8s cannot render it (it fails with its own error): refused by name.
    expect(refusal({ labels: { constructor: 'x' } }))
      .toContain('labels["constructor"]: "constructor": cdk8s cannot render a map with a key named constructor');
    expect(refusal({ pgbackrestOptions: { constructor: 'x' } })).toContain('pgbackrestOptions["constructor"]: "constructor": is not a pgBackRest');
    expect(refusal({ annotations: JSON.parse('{"__proto__": "x"}') }))
      .toContain('annotations["__proto__"]: "__proto__": is not a key anything here takes');
    expect(refusal({ labels: js({ team: 5 }) })).toContain('labels["team"]: 5: the value must be a string');
  });

  test('unknown props are refused with the nearest known name', () => {
    expect(refusal({ repos: [volume({ storageClass: 'fast' })] }))
      .toContain('repos[0].storageClass: "fast": is not a prop of VolumeRepoProps; did you mean storageClassName?');
    expect(refusal(js({ repo: [volume()] }))).toContain('repo: [');
    expect(refusal(js({ repo: [volume()] }))).toContain('is not a prop of IvoryClusterProps; did you mean repos?');
    expect(refusal({ backupJobs: js({ ttlAfterFinish: Duration.hours(1) }) })).toContain('backupJobs.ttlAfterFinish: Duration of 60 minutes: is not a prop of BackupJobOptions; did you mean ttlAfterFinished?');
    expect(refusal({ repos: [volume({ retention: BackupRetention.fullCount(2, js({ diffBackups: 3 })) })] }))
      .toContain('repos[0].retention.diffBackups: 3: is not a prop of RetentionOptions; did you mean differentialBackups?');
    expect(refusal({ repos: [volume({ zzz: 1 })] })).toContain('repos[0].zzz: 1: is not a prop of VolumeRepoProps; its props are name, path, retention, schedule, encryption, size, storageClassName, accessMode');
  });

  test('symbols, bigints and functions are refused, not thrown', () => {
    expect(refusal({ name: js(Symbol('x')) })).toContain('name: a symbol: must be a string');
    expect(refusal({ manualBackup: { repoName: 'repo1', backupType: js(10n) } })).toContain('manualBackup.backupType: a bigint: must be a string');
    expect(refusal({ standby: Standby.fromRepo(js(() => 'repo1')) })).toContain('standby.repoName: a function: must be a string');
  });

  test('positional arguments of factories', () => {
    expect(refusal({ inPlaceRestore: Restore.inPlace({ restoreId: 'r', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.time(js(20260101)) }) }))
      .toContain('inPlaceRestore.target.time: 20260101: must be a string');
    expect(refusal({ inPlaceRestore: Restore.inPlace({ restoreId: 'r', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.date(js('yesterday')) }) }))
      .toContain('inPlaceRestore.target.time: "yesterday": must be a valid JavaScript Date');
    expect(refusal({ repos: [s3({ credentials: RepoCredentials.s3AccessKey({ accessKeyId: CredentialSource.fromSecret(js(1), 'k'), secretAccessKey: CredentialSource.fromSecret('s', 'k') }) })] }))
      .toContain('repos[0].credentials.s3Key.secretName: 1: must be a string');
    expect(refusal({ restoreFrom: Restore.fromRepo(js({ path: '/x' })) })).toContain('restoreFrom.repo: {"path":"/x"}: must be a BackupRepo');
    expect(refusal({ target: DeploymentTarget.STANDALONE, standalone: { tls: TlsCertificates.fromSecrets(js({ pgbackrestSecretName: 'a' })) } }))
      .toContain('standalone.tls.postgresSecretName: undefined: is required by TlsSecretsProps');
  });

  test('every props interface of the public API is in the input table, with the props it declares', () => {
    const src = join(__dirname, '..', 'src');
    const declared = new Map<string, { props: string[]; parents: string[] }>();
    for (const file of readdirSync(src).filter(f => f.endsWith('.ts'))) {
      const text = readFileSync(join(src, file), 'utf8');
      for (const m of text.matchAll(/export interface (\w+)(?: extends ([\w, ]+))? \{([\s\S]*?)\n\}/g)) {
        const props = [...m[3].matchAll(/^ {2}readonly (\w+)\??:/gm)].map(p => p[1]);
        declared.set(m[1], { props, parents: m[2] ? m[2].split(',').map(p => p.trim()) : [] });
      }
    }
    const all = (name: string): string[] => [...(declared.get(name)?.parents ?? []).flatMap(all), ...(declared.get(name)?.props ?? [])];
    for (const [name, shape] of Object.entries(SHAPES)) {
      expect([name, Object.keys(shape()).sort()]).toEqual([name, all(name).sort()]);
    }
    // Props interfaces taken by a public factory or constructor: each has an entry.
    for (const name of declared.keys()) {
      if (/Props$|Options$/.test(name) && !['BackupRepoOptions', 'ObjectStoreConnectionOptions', 'ObjectStoreOptions', 'RestoreOptions', 'BackupJobOptions', 'RepoHostOptions',
        'StandaloneOptions', 'BackupPlanOptions', 'ImageBuildProps'].includes(name)) {
        expect([name, name in SHAPES]).toEqual([name, true]);
      }
    }
  });
});

describe('bounded work', () => {
  test('a stagger step of zero, a negative or NaN one is refused at once', () => {
    const repos = [volume({ schedule: BackupSchedule.dailyFull() }), volume({ schedule: BackupSchedule.dailyFull() })];
    for (const step of [Duration.minutes(0), Duration.seconds(30), Duration.minutes(NaN), js({})]) {
      const started = Date.now();
      const m = validationMessage(() => BackupPlanAnalysis.stagger(repos, { step }));
      expect(m).toContain("Invalid configuration at 'BackupPlanAnalysis.stagger'");
      expect(m).toMatch(/options\.step: .*(must be from 1 minute to 1 day|must be a cdk8s Duration of a whole number of minutes)/);
      expect(Date.now() - started).toBeLessThan(500);
    }
    expect(validationMessage(() => BackupPlanAnalysis.stagger(js(undefined)))).toContain('repos: undefined: must be a list of BackupRepos');
    expect(validationMessage(() => BackupPlanAnalysis.stagger([js({})]))).toContain('repos[0]: {}: must be a BackupRepo');
  });

  test('a plan that backs up every minute is refused from its fields, quickly', () => {
    for (const cron of ['* * * * *', '*/5 * * * *', '0-59 1,2 * * *']) {
      const started = Date.now();
      const m = refusal({ target: DeploymentTarget.STANDALONE, repos: [volume({ schedule: new BackupSchedule({ incremental: cron, timeZone: 'Europe/Berlin' }) })] });
      expect(m).toContain(`repos[0].schedule.incremental: ${JSON.stringify(cron)}: starts `);
      expect(m).toContain('backups a day; at most 96 (one every 15 minutes)');
      expect(Date.now() - started).toBeLessThan(500);
    }
    expect(() => make({ repos: [volume({ schedule: new BackupSchedule({ full: '0 1 * * 0', incremental: '*/15 2-23 * * *' }) })] })).not.toThrow();
  });
});

describe('Kubernetes limits the schemas do not carry', () => {
  test('cron macros and time zones in the case Kubernetes reads them', () => {
    expect(refusal({ repos: [volume({ schedule: new BackupSchedule({ full: '@DAILY' }) })] }))
      .toContain('repos[0].schedule.full: "@DAILY": "@DAILY" is not a macro Kubernetes knows: macros are lowercase (@daily)');
    const standalone = (timeZone: string) => refusal({ target: DeploymentTarget.STANDALONE, repos: [volume({ schedule: new BackupSchedule({ full: '0 1 * * *', timeZone }) })] });
    expect(standalone('utc')).toContain('repos[0].schedule.timeZone: "utc": is not spelled as the tz database spells it (UTC): Kubernetes reads zone names case-sensitively');
    expect(standalone('europe/berlin')).toContain('repos[0].schedule.timeZone: "europe/berlin": is not spelled as the tz database spells it (Europe/Berlin)');
    expect(() => make({ target: DeploymentTarget.STANDALONE, repos: [volume({ schedule: new BackupSchedule({ full: '0 1 * * *', timeZone: 'Europe/Berlin' }) })] })).not.toThrow();
  });

  test('a cluster name that would make Services that are not DNS-1035 labels', () => {
    expect(refusal({ name: '1hippo' })).toContain('name: "1hippo": must start with a letter: the cluster\'s Services are named after it');
  });

  test("the PostgreSQL port is not pgBackRest's TLS port", () => {
    expect(refusal({ port: 8432 })).toContain("port: 8432: is pgBackRest's TLS server port (8432) on the same pods; choose another");
  });

  test('annotations over 256 KiB', () => {
    expect(refusal({ annotations: { 'example.com/big': 'x'.repeat(256 * 1024) } }))
      .toContain('annotations: "262159 bytes of annotations": Kubernetes takes at most 262144 bytes of annotations per object');
  });

  test('requests above limits', () => {
    expect(refusal({ instances: [{ resources: { cpu: { request: Cpu.units(4), limit: Cpu.units(2) } } }] }))
      .toContain('instances[0].resources.cpu.request: "4": is above the limit (2); Kubernetes refuses a request above its limit');
    expect(refusal({ backupJobs: { resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } } }))
      .toContain('backupJobs.resources.memory.request: "2097152Ki": is above the limit (1048576Ki)');
  });

  test('durations beyond int32 seconds', () => {
    expect(refusal({ backupJobs: { ttlAfterFinished: Duration.seconds(2 ** 31) } })).toContain('backupJobs.ttlAfterFinished: "Duration of ');
  });

  test('two clusters of one name in one namespace', () => {
    const chart = Testing.chart();
    make({ namespace: 'db' }, chart, 'a');
    const m = validationMessage(() => make({ name: 'a', namespace: 'db' }, chart, 'b'));
    expect(m).toContain('name: "a": is already the name of test/a in namespace db: their objects would have the same names');
    // Another namespace is fine.
    const other = Testing.chart();
    make({ namespace: 'db' }, other, 'a');
    expect(() => make({ name: 'a', namespace: 'other' }, other, 'c')).not.toThrow();
  });
});

describe('two writers on one repo location', () => {
  test('two repos of one cluster', () => {
    expect(refusal({ repos: [s3({ path: '/pg/a' }), s3({ path: '/pg/a' })] }))
      .toContain('repos[1].path: "/pg/a": is the location of repos[0] (s3://s3.eu-central-1.amazonaws.com/acme-backups/pg/a): two repos of a cluster must not share a location');
    expect(refusal({ repos: [s3({ path: '/pg' }), s3({ path: '/pg/a' })] })).toContain('repos[1].path: "/pg/a": overlaps the location of repos[0]');
    expect(() => make({ repos: [s3({ path: '/pg/a' }), s3({ path: '/pg/b' })] })).not.toThrow();
  });

  test('two clusters of the app', () => {
    const chart = Testing.chart();
    make({ repos: [s3({ path: '/shared' })] }, chart, 'one');
    expect(validationMessage(() => make({ repos: [s3({ path: '/shared' })] }, chart, 'two')))
      .toContain('repos[0].path: "/shared": s3://s3.eu-central-1.amazonaws.com/acme-backups/shared is already written by test/one (repos[0])');
    // A standby reads its primary's repo: that is not a second writer.
    const primaryAndStandby = Testing.chart();
    make({ repos: [s3({ path: '/shared' })] }, primaryAndStandby, 'one');
    expect(() => make({ repos: [s3({ path: '/shared' })], standby: Standby.fromRepo('repo1') }, primaryAndStandby, 'replica')).not.toThrow();
  });

  test('an operator clone writing into its source\'s stanza location', () => {
    const chart = Testing.chart();
    const source = make({ namespace: 'db', repos: [s3({ path: '/pg/source' })] }, chart, 'source');
    expect(validationMessage(() => make({ namespace: 'db', repos: [s3({ path: '/pg/source' })], restoreFrom: Restore.fromCluster(source) }, chart, 'clone')))
      .toContain('repos[0].path: "/pg/source": is where this cluster is restored from (s3://s3.eu-central-1.amazonaws.com/acme-backups/pg/source)');
    expect(refusal({ namespace: 'db', repos: [s3({ path: '/pgbackrest/db/old/repo1' })], restoreFrom: Restore.fromClusterName({ clusterName: 'old', repoName: 'repo1' }) }))
      .toContain('repos[0].path: "/pgbackrest/db/old/repo1": is the default path of the source cluster\'s repo1: the new cluster would write into its source\'s stanza');
  });
});
