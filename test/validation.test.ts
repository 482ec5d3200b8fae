import { Size, Testing } from 'cdk8s';
import {
  BackupRepo, BackupRetention, BackupSchedule, BackupType, CredentialSource, DeploymentTarget, IvoryCluster, IvoryClusterProps,
  PgBackRestVersion, RecoveryTarget, RepoCredentials, Restore, S3UriStyle, TlsCertificates,
} from '../src';
import { validationMessage } from './support/synth';
import { renderIni } from '../src/private/pgbackrest/ini';
import { ValidationErrorDetails } from '../src/private/validation';

const s3Creds = () => RepoCredentials.s3AccessKey({
  accessKeyId: CredentialSource.fromExternalSecret('backup/s3', 'id'),
  secretAccessKey: CredentialSource.fromExternalSecret('backup/s3', 'secret'),
});
const volume = (props: Partial<Parameters<typeof BackupRepo.volume>[0]> = {}) => BackupRepo.volume({ size: Size.gibibytes(10), ...props });

/** A cluster synthesized in a chart of its own: checks of the whole cluster run at synth. */
function make(props: Partial<IvoryClusterProps>, id = 'hippo'): IvoryCluster {
  const chart = Testing.chart();
  const cluster = new IvoryCluster(chart, id, { repos: [volume()], externalSecretStore: { name: 'vault' }, ...props } as IvoryClusterProps);
  Testing.synth(chart);
  return cluster;
}

/** The message of the ValidationError `props` produce, checked to name the construct path. */
function refusal(props: Partial<IvoryClusterProps>, id = 'hippo'): string {
  const message = validationMessage(() => make(props, id));
  expect(message).toContain(`Invalid configuration at 'test/${id}'`);
  return message;
}

describe('refusals name the construct path, the field, the bad value and what is allowed', () => {
  test('a fifth repo', () => {
    const m = refusal({ repos: [volume(), volume(), volume(), volume(), volume()] });
    expect(m).toMatch(/repos\[4\]: "5 repos": a cluster has at most 4 repos \(repo1\.\.repo4\)/);
  });

  test('duplicate repo names', () => {
    const m = refusal({ repos: [volume({ name: 'repo2' }), volume({ name: 'repo2' })] });
    expect(m).toMatch(/repos\[1\]\.name: "repo2": is already the name of repos\[0\]; repo names must be unique/);
  });

  test('a repo name outside repo1..repo4', () => {
    expect(refusal({ repos: [volume({ name: 'repo5' })] })).toMatch(/repos\[0\]\.name: "repo5": must be one of repo1, repo2, repo3, repo4/);
  });

  test.each([
    ['0 3 * * * *', /has 6 fields; Kubernetes takes exactly 5/],
    ['@every 5m', /@every intervals/],
    ['0 3 * * 7', /"7" is outside 0-6 in the day-of-week field/],
    ['0 3 L * *', /uses L, W, # or H in the day-of-month field/],
    ['0 3 * * 1#2', /uses L, W, # or H in the day-of-week field/],
    ['0 3 * *', /has 4 fields/],
    ['61 * * * *', /"61" is outside 0-59 in the minute field/],
    ['0 0 31 2 *', /never occurs/],
    ['TZ=UTC 0 3 * * *', /TZ= prefix/],
  ])('invalid cron %j', (cron, reason) => {
    const m = refusal({ repos: [volume({ schedule: new BackupSchedule({ full: cron }) })] });
    expect(m).toContain(`repos[0].schedule.full: ${JSON.stringify(cron)}:`);
    expect(m).toMatch(reason);
    expect(m).toContain('allowed: a Kubernetes CronJob schedule: 5 fields');
  });

  test('tuning: a compression level out of range, beta block incremental, wal_compression the PostgreSQL version lacks', () => {
    expect(refusal({ tuning: { compressLevel: 40 } })).toContain('tuning.compressLevel: 40: must be a whole number from -7 to 22');
    expect(refusal({ pgbackrestVersion: PgBackRestVersion.V2_45, tuning: { blockIncremental: true } }))
      .toContain('tuning.blockIncremental: true: is beta in pgBackRest 2.45 (generally available from 2.46)');
    expect(refusal({ tuning: { walCompression: 'gzip' } })).toContain('tuning.walCompression: "gzip": must be off, on, pglz, lz4 or zstd');
    expect(refusal({ postgresVersion: 14, image: 'registry.example/ivorysql:pg14', tuning: { walCompression: 'lz4' } }))
      .toContain('tuning.walCompression: "lz4": needs PostgreSQL 15 or later; postgresVersion is 14');
    // IVYO 5.4's image is built without lz4 and zstd: PostgreSQL would not start (FATAL: invalid value for parameter).
    for (const method of ['lz4', 'zstd']) {
      expect(refusal({ tuning: { walCompression: method } }))
        .toContain(`tuning.walCompression: "${method}": the image is built without ${method} (IVYO 5.4's image has neither lz4 nor zstd): `
          + `PostgreSQL would refuse to start; use pglz, or set imageBuild.${method}: true if your image has it; allowed: off, on, pglz`);
    }
    expect(refusal({ imageBuild: { lz4: 'yes' as any } })).toContain('imageBuild.lz4: "yes": must be true or false');
  });

  test('standalone ids: the images\' uid by default, any uid, or none for platforms that assign them', () => {
    expect(refusal({ target: DeploymentTarget.STANDALONE, standalone: { userFromPlatform: true, runAsUser: 1000 } }))
      .toContain('standalone.runAsUser: 1000: must be left out with userFromPlatform: the platform assigns it');
  });

  test('an unknown time zone', () => {
    const m = refusal({ target: DeploymentTarget.STANDALONE, repos: [volume({ schedule: new BackupSchedule({ full: '0 1 * * *', timeZone: 'Mars/Olympus' }) })] });
    expect(m).toMatch(/repos\[0\]\.schedule\.timeZone: "Mars\/Olympus": must be an IANA time zone/);
  });

  test('two schedules of one cluster starting at the same minute', () => {
    const m = refusal({
      repos: [
        volume({ schedule: new BackupSchedule({ full: '0 1 * * *' }) }),
        BackupRepo.s3({ bucket: 'backups', region: 'eu-west-1', credentials: s3Creds(), schedule: new BackupSchedule({ full: '0 1 * * 0', incremental: '0 */6 * * *' }) }),
      ],
    });
    expect(m).toMatch(/repos\[1\]\.schedule\.full: "0 1 \* \* 0": starts at the same minute as repos\[0\]\.schedule\.full \("0 1 \* \* \*"\), e\.g\. 2026-01-04 01:00 UTC/);
    expect(m).toContain('pgBackRest runs one backup of a cluster at a time');
  });

  test('schedules of one repo that only share a day-of-month OR day-of-week minute collide too', () => {
    // robfig/cron ORs restricted day fields: "1 of the month OR Monday" meets "every Monday".
    const m = refusal({ repos: [volume({ schedule: new BackupSchedule({ full: '30 2 1 * 1', differential: '30 2 * * 1' }) })] });
    expect(m).toMatch(/repos\[0\]\.schedule\.differential: "30 2 \* \* 1": starts at the same minute as repos\[0\]\.schedule\.full/);
  });

  test('schedules on different days do not collide', () => {
    expect(() => make({ repos: [volume({ schedule: BackupSchedule.weeklyFullDailyDifferentialHourlyIncremental() })] })).not.toThrow();
  });

  test.each(['--repo=2', '--stanza=other', '--pg1-path=/tmp', '--target-action=pause', '--link-map=pg_wal=/x', '--repo 2'])('restore option %s', option => {
    const m = refusal({
      inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, options: [option] }),
    });
    expect(m).toContain(`inPlaceRestore.options[0]: ${JSON.stringify(option)}:`);
    expect(m).toMatch(/is not allowed here|must be a pgBackRest option/);
  });

  test.each([
    ['2026-11-26 14:15:11', /followed by a zone offset or Z/],
    ['26/11/2026 14:15 +01', /must be "YYYY-MM-DD HH:MM:SS/],
    ['2026-02-30 10:00:00+00', /is not a real date and time/],
    ['2026-11-26 14:15:11 Europe/Berlin', /followed by a zone offset or Z/],
  ])('PITR time %j', (time, reason) => {
    const m = refusal({
      inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.time(time) }),
    });
    expect(m).toContain(`inPlaceRestore.target.time: ${JSON.stringify(time)}:`);
    expect(m).toMatch(reason);
  });

  test('an in-place restore without the explicit opt-in', () => {
    const m = refusal({ inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: false }) });
    expect(m).toMatch(/inPlaceRestore\.confirmOverwrite: false: an in-place restore replaces the cluster's data; set confirmOverwrite: true/);
  });

  test('a restore from a repo the cluster does not have', () => {
    const m = refusal({ inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo3', confirmOverwrite: true }) });
    expect(m).toMatch(/inPlaceRestore\.repoName: "repo3": the repo restored from must be one of this cluster's repos: repo1/);
  });

  test.each(['repo1-s3-key', 'repo2-s3-key-secret', 'repo1-cipher-pass', 'repo1-azure-key', 'repo3-gcs-key', 'repo1-s3-token'])('credential option %s in global', option => {
    const m = refusal({ pgbackrestOptions: { [option]: 'AKIAIOSFODNN7EXAMPLE' } });
    expect(m).toContain(`pgbackrestOptions[${JSON.stringify(option)}]: ${JSON.stringify(option)}: is a credential; give it through a CredentialSource`);
    expect(m).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  test('retention archive type incr without an archive count', () => {
    const m = refusal({ repos: [volume({ retention: BackupRetention.fullCount(2, { archiveType: BackupType.INCREMENTAL }) })] });
    expect(m).toMatch(/repos\[0\]\.retention\.archiveType: "incr": repoN-retention-archive-type=incr needs archiveBackups/);
  });

  test.each([['Hippo'], ['hippo_db'], ['-hippo'], ['a'.repeat(41)]])('cluster name %j', name => {
    const m = refusal({ name });
    expect(m).toContain(`name: ${JSON.stringify(name)}: must be a DNS-1123 label`);
  });

  test('a construct id that is not a DNS name is reported as the defaulted name', () => {
    const m = refusal({}, 'MyCluster');
    expect(m).toContain('name (defaulted from the construct id): "MyCluster": must be a DNS-1123 label');
  });

  test('namespace and instance set names', () => {
    const m = refusal({ namespace: 'Prod', instances: [{ name: 'Set_1' }] });
    expect(m).toContain('namespace: "Prod": must be a DNS-1123 label');
    expect(m).toContain('instances[0].name: "Set_1": must be a DNS-1123 label');
  });

  test.each([
    ['ab', /S3 bucket names have 3 to 63/],
    ['My-Bucket', /S3 bucket names have 3 to 63/],
    ['192.168.1.1', /S3 bucket names/],
    ['xn--bucket', /S3 bucket names/],
    ['my..bucket', /S3 bucket names/],
    ['my.bucket', /needs uriStyle: S3UriStyle\.PATH/],
  ])('S3 bucket %j', (bucket, reason) => {
    const m = refusal({ repos: [BackupRepo.s3({ bucket, region: 'us-east-1', credentials: s3Creds() })] });
    expect(m).toContain(`repos[0].bucket: ${JSON.stringify(bucket)}:`);
    expect(m).toMatch(reason);
  });

  test('a dotted bucket with path style is fine', () => {
    expect(() => make({ repos: [BackupRepo.s3({ bucket: 'my.bucket', region: 'us-east-1', uriStyle: S3UriStyle.PATH, credentials: s3Creds() })] })).not.toThrow();
  });

  test.each(['Backups', 'ab', 'my--container', '-backups'])('Azure container %j', container => {
    const m = refusal({
      repos: [BackupRepo.azure({ container, credentials: RepoCredentials.azureSharedKey({ account: 'acct', key: CredentialSource.fromExternalSecret('az') }) })],
    });
    expect(m).toContain(`repos[0].container: ${JSON.stringify(container)}: Azure container names`);
  });

  test.each(['goog-backups', 'my-google-bucket', 'x'])('GCS bucket %j', bucket => {
    const m = refusal({ repos: [BackupRepo.gcs({ bucket, credentials: RepoCredentials.gcsServiceAccountKey(CredentialSource.fromExternalSecret('gcs')) })] });
    expect(m).toContain(`repos[0].bucket: ${JSON.stringify(bucket)}: GCS bucket names`);
  });

  test.each([9, 19, 17.5])('postgresVersion %p', version => {
    const m = refusal({ postgresVersion: version, image: 'registry.example/ivorysql:x' });
    expect(m).toContain(`postgresVersion: ${version}: must be a whole number from 10 to 18`);
  });

  test('a postgresVersion the default image does not have', () => {
    expect(refusal({ postgresVersion: 15 })).toContain('image: undefined: the default image (IvorySQL 5.4) is PostgreSQL 18; give an image for postgresVersion 15');
  });

  test('credentials for the wrong storage', () => {
    const m = refusal({ repos: [BackupRepo.s3({ bucket: 'backups', region: 'us-east-1', credentials: RepoCredentials.gcsWorkloadIdentity({ googleServiceAccount: 'pgbr@proj-1.iam.gserviceaccount.com' }) })] });
    expect(m).toContain('repos[0].credentials: "RepoCredentials.gcsWorkloadIdentity": these are gcs credentials; a s3 repo needs');
  });

  test('Azure managed identity needs pgBackRest 2.58', () => {
    const m = refusal({
      pgbackrestVersion: PgBackRestVersion.V2_45,
      repos: [BackupRepo.azure({ container: 'backups', credentials: RepoCredentials.azureManagedIdentity({ account: 'acct' }) })],
    });
    expect(m).toContain('repos[0].credentials: "RepoCredentials.azureManagedIdentity": needs pgBackRest 2.58 or later; pgbackrestVersion is 2.45');
  });

  test('a Secret value cannot reach pgBackRest in the operator target', () => {
    const m = refusal({
      repos: [BackupRepo.s3({
        bucket: 'backups',
        region: 'us-east-1',
        credentials: RepoCredentials.s3AccessKey({ accessKeyId: CredentialSource.fromSecret('s3', 'id'), secretAccessKey: CredentialSource.fromSecret('s3', 'secret') }),
      })],
    });
    expect(m).toContain('repos[0].credentials.s3Key: "CredentialSource.fromSecret(\\"s3\\", \\"id\\")": the operator target cannot pass a Secret value to pgBackRest');
  });

  test('an external credential needs a store', () => {
    const chart = Testing.chart();
    const message = validationMessage(() => new IvoryCluster(chart, 'hippo', { repos: [BackupRepo.s3({ bucket: 'backups', region: 'us-east-1', credentials: s3Creds() })] }));
    expect(message).toContain('repos[0].credentials.s3Key: "CredentialSource.fromExternalSecret(\\"backup/s3\\")": reading from an external store needs externalSecretStore');
  });

  test('a manual backup with --repo in its options', () => {
    const m = refusal({ manualBackup: { repoName: 'repo1', options: ['--repo=2'] } });
    expect(m).toContain('manualBackup.options[0]: "--repo=2": --repo is not allowed here: the repo is chosen with repoName');
  });

  test('many problems are reported together', () => {
    const m = refusal({ name: 'Bad', port: 80, postgresVersion: 30, image: 'x:y' });
    expect(m.split('\n').filter(l => l.startsWith('  - '))).toHaveLength(3);
  });

  test('the error is a ValidationError with its problems', () => {
    try {
      make({ port: 22 });
      throw new Error('not thrown');
    } catch (e) {
      expect((e as Error).name).toBe('ValidationError');
      expect((e as ValidationErrorDetails).constructPath).toBe('test/hippo');
      expect((e as ValidationErrorDetails).problems).toEqual(['port: 22: must be a whole number from 1024 to 65535']);
    }
  });
});

describe('pgBackRest 2.5x repo options (issue 17): refused before the version that added them, on storage that cannot take them, in bad shapes', () => {
  const js = (v: unknown) => v as any;
  const s3 = (props: object = {}) => BackupRepo.s3({ bucket: 'acme-backups', region: 'eu-central-1', credentials: s3Creds(), ...props });
  const gcs = (props: object = {}) => BackupRepo.gcs({
    bucket: 'acme-gcs', credentials: RepoCredentials.gcsWorkloadIdentity({ googleServiceAccount: 'pgbackrest@proj-1.iam.gserviceaccount.com' }), ...props,
  });
  const azure = (props: object = {}) => BackupRepo.azure({
    container: 'backups', credentials: RepoCredentials.azureSas({ account: 'acct', key: CredentialSource.fromExternalSecret('backup/azure', 'sas') }), ...props,
  });
  const kmsArn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  test.each([
    ['storageTags', '2.47', '2.48', 'repo-storage-tag', () => s3({ storageTags: { team: 'payments' } })],
    ['sseCustomerKey', '2.51', '2.52', 'repo-s3-sse-customer-key', () => s3({ sseCustomerKey: CredentialSource.fromExternalSecret('backup/s3', 'sse-c') })],
    ['requesterPays', '2.54', '2.55', 'repo-s3-requester-pays', () => s3({ requesterPays: true })],
    ['userProject', '2.54', '2.55', 'repo-gcs-user-project', () => gcs({ userProject: 'acme-billing' })],
  ])('%s before pgBackRest %s: refused with the version that added it; accepted from %s', (prop, before, since, option, repo) => {
    const m = refusal({ pgbackrestVersion: PgBackRestVersion.of(before), repos: [repo()] });
    expect(m).toMatch(new RegExp(`repos\\[0\\]\\.${prop}: .*: needs pgBackRest ${since.replace('.', '\\.')} or later \\(${option} came in ${since.replace('.', '\\.')}\\); pgbackrestVersion is ${before.replace('.', '\\.')}`));
    expect(() => make({ pgbackrestVersion: PgBackRestVersion.of(since), repos: [repo()] })).not.toThrow();
  });

  test('requesterPays: false and the KMS key (pgBackRest 2.38) need no newer version than the oldest supported', () => {
    expect(() => make({ pgbackrestVersion: PgBackRestVersion.V2_45, repos: [s3({ requesterPays: false, kmsKeyId: kmsArn })] })).not.toThrow();
  });

  test.each([
    ['kmsKeyId', 'GcsRepoProps', () => gcs({ kmsKeyId: kmsArn })],
    ['sseCustomerKey', 'AzureRepoProps', () => azure({ sseCustomerKey: CredentialSource.fromExternalSecret('backup/s3', 'sse-c') })],
    ['requesterPays', 'GcsRepoProps', () => gcs({ requesterPays: true })],
    ['userProject', 'S3RepoProps', () => s3({ userProject: 'acme-billing' })],
    ['storageTags', 'VolumeRepoProps', () => volume(js({ storageTags: { team: 'payments' } }))],
  ])('%s on storage that cannot take it: not a prop of %s', (prop, props, repo) => {
    expect(refusal({ repos: [repo()] })).toContain(`repos[0].${prop}: `);
    expect(refusal({ repos: [repo()] })).toContain(`is not a prop of ${props}`);
  });

  test.each([
    [{ 'a=b': 'c' }, 'a=b', /without '='/],
    [{ team: 'pay\nrepo1-storage-verify-tls=n' }, 'team', /a tag value is one line/],
    [{ ' team': 'payments' }, ' team', /without leading or trailing spaces/],
    [{ team: 'payments ' }, 'team', /a tag value is one line without leading or trailing spaces/],
    [{ 'aws:team': 'payments' }, 'aws:team', /the aws: prefix is reserved/],
    [{ team: 'pay;ments' }, 'team', /S3 takes letters, digits, spaces and/],
    [{ ['k'.repeat(129)]: 'v' }, 'k'.repeat(129), /tag keys have 1 to 128 characters/],
  ])('S3 storage tags %j: refused', (tags, key, reason) => {
    const m = refusal({ repos: [s3({ storageTags: tags })] });
    expect(m).toContain(`repos[0].storageTags[${JSON.stringify(key)}]: `);
    expect(m).toMatch(reason);
  });

  test('storage tags: at most 10 on S3 and Azure, Azure\'s character set, none empty; an \'=\' in a value is pgBackRest\'s to keep', () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(refusal({ repos: [s3({ storageTags: eleven })] })).toContain('repos[0].storageTags: "11 tags": S3 takes at most 10 tags per object');
    expect(refusal({ repos: [azure({ storageTags: { team: 'pay@ments' } })] })).toContain('repos[0].storageTags["team"]: "pay@ments": Azure takes ASCII letters');
    expect(refusal({ repos: [gcs({ storageTags: {} })] })).toContain('repos[0].storageTags: {}: give at least one tag');
    expect(() => make({ repos: [gcs({ storageTags: eleven }), s3({ storageTags: { 'cost-center': 'db=42', 'empty': '' } })] })).not.toThrow();
    expect(refusal({ repos: [s3({ storageTags: { team: js(42) } })] })).toContain('repos[0].storageTags["team"]: 42: the value must be a string');
  });

  test.each([
    ['not-a-key', /must be an AWS KMS key/],
    ['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', /is a key of us-east-1; S3 encrypts with a KMS key of the bucket's region \(eu-central-1\)/],
    ['arn:aws:s3:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', /must be an AWS KMS key/],
  ])('an AWS KMS key %j: refused', (keyId, reason) => {
    const m = refusal({ repos: [s3({ kmsKeyId: keyId })] });
    expect(m).toContain(`repos[0].kmsKeyId: ${JSON.stringify(keyId)}: `);
    expect(m).toMatch(reason);
  });

  test('KMS keys: ids, aliases and ARNs on AWS; the key name of an S3-compatible store elsewhere; never with SSE-C', () => {
    for (const kmsKeyId of ['1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-1234abcd12ab34cd56ef1234567890ab', 'alias/pgbackrest', kmsArn,
      'arn:aws:kms:eu-central-1:123456789012:alias/pgbackrest']) {
      expect(() => make({ repos: [s3({ kmsKeyId })] })).not.toThrow();
    }
    expect(() => make({ repos: [s3({ endpoint: 'minio.storage.svc', kmsKeyId: 'minio-backup-key' })] })).not.toThrow();
    expect(refusal({ repos: [s3({ endpoint: 'minio.storage.svc', kmsKeyId: 'a key' })] })).toContain('repos[0].kmsKeyId: "a key": must be a KMS key name');
    expect(refusal({ repos: [s3({ kmsKeyId: kmsArn, sseCustomerKey: CredentialSource.fromExternalSecret('backup/s3', 'sse-c') })] }))
      .toContain('repos[0].sseCustomerKey: takes no kmsKeyId beside it');
  });

  test('a GCS user project must be a project id; an SSE-C key must be a CredentialSource', () => {
    expect(refusal({ repos: [gcs({ userProject: 'Acme Billing' })] })).toContain('repos[0].userProject: "Acme Billing": must be a Google Cloud project id');
    expect(() => make({ repos: [gcs({ userProject: 'example.com:acme-billing' })] })).not.toThrow();
    expect(refusal({ repos: [s3({ sseCustomerKey: js('c2VjcmV0') })] })).toContain('repos[0].sseCustomerKey: "c2VjcmV0": must be a CredentialSource');
  });

  test.each([
    ['repo1-storage-tag', 'team=payments', 'repos[0].storageTags'],
    ['repo1-s3-kms-key-id', 'alias/pgbackrest', 'repos[0].kmsKeyId'],
    ['repo1-s3-requester-pays', 'y', 'repos[0].requesterPays'],
    ['repo1-gcs-user-project', 'acme-billing', 'repos[0].userProject'],
  ])('the raw option %s is refused in favour of its prop', (option, value, prop) => {
    expect(refusal({ repos: [s3()], pgbackrestOptions: { [option]: value } }))
      .toContain(`pgbackrestOptions[${JSON.stringify(option)}]: ${JSON.stringify(option)}: is set by the library from ${prop}; use that instead`);
  });

  test('the raw SSE-C key is a credential: named, never echoed, and pointed at sseCustomerKey', () => {
    const m = refusal({ repos: [s3()], pgbackrestOptions: { 'repo1-s3-sse-customer-key': 'c2VjcmV0' } });
    expect(m).toContain('pgbackrestOptions["repo1-s3-sse-customer-key"]: "repo1-s3-sse-customer-key": is a credential; give it through a CredentialSource (sseCustomerKey of BackupRepo.s3)');
    expect(m).not.toContain('c2VjcmV0');
  });
});

describe('deleting the oldest full backup (expire --oldest, issue 17)', () => {
  const standalone = { target: DeploymentTarget.STANDALONE };

  test('pgBackRest 2.58 or later', () => {
    expect(refusal({ ...standalone, pgbackrestVersion: PgBackRestVersion.of('2.57'), backupDeletions: [{ repoName: 'repo1', oldest: true, confirmDelete: true }] }))
      .toContain('backupDeletions[0].oldest: true: needs pgBackRest 2.58 or later (expire --oldest came in 2.58); pgbackrestVersion is 2.57');
    const chart = Testing.chart();
    const cluster = new IvoryCluster(chart, 'hippo', { ...standalone, pgbackrestVersion: PgBackRestVersion.of('2.54'), repos: [volume()] });
    cluster.addBackupDeletion('drop-oldest', { repoName: 'repo1', oldest: true, confirmDelete: true });
    expect(validationMessage(() => Testing.synth(chart))).toContain('addBackupDeletion("drop-oldest").oldest: true: needs pgBackRest 2.58 or later');
  });

  test('either a backup set or oldest, not both, not neither; no force; confirmDelete still required', () => {
    expect(refusal({ ...standalone, backupDeletions: [{ repoName: 'repo1', oldest: true, backupSet: '20261101-010000F', confirmDelete: true }] }))
      .toContain('backupDeletions[0].backupSet: "20261101-010000F": give either backupSet or oldest: true, not both (pgBackRest refuses --oldest with --set)');
    expect(refusal({ ...standalone, backupDeletions: [{ repoName: 'repo1', confirmDelete: true }] }))
      .toContain('backupDeletions[0].backupSet: undefined: name the backup to delete (its label, e.g. 20261101-010000F), or set oldest: true');
    expect(refusal({ ...standalone, backupDeletions: [{ repoName: 'repo1', oldest: false, confirmDelete: true }] })).toContain('backupDeletions[0].backupSet: undefined');
    expect(refusal({ ...standalone, backupDeletions: [{ repoName: 'repo1', oldest: true, force: true, confirmDelete: true }] }))
      .toContain('backupDeletions[0].force: true: has no meaning with oldest: true');
    expect(refusal({ ...standalone, backupDeletions: [{ repoName: 'repo1', oldest: true, confirmDelete: false }] }))
      .toContain('backupDeletions[0].confirmDelete: false: deleting a backup is destructive; set confirmDelete: true to allow it');
    expect(refusal({ ...standalone, backupDeletions: [{ repoName: 'repo1', oldest: 'true' as any, confirmDelete: true }] }))
      .toContain('backupDeletions[0].oldest: "true": must be true or false');
    const twice = { repoName: 'repo1', oldest: true, confirmDelete: true };
    expect(refusal({ ...standalone, backupDeletions: [twice, twice] })).toContain('backupDeletions[1]: "repo1 oldest": is listed twice');
  });

  test('the operator target refuses it as every deletion: IVYO has no API to delete a backup', () => {
    expect(refusal({ backupDeletions: [{ repoName: 'repo1', oldest: true, confirmDelete: true }] })).toContain('backupDeletions: IVYO has no API to delete a backup');
  });
});

describe('hostile and careless input (issue 11)', () => {
  const SECRET = 'AKIAIOSFODNN7EXAMPLE';
  const inPlace = (options: string[], target?: RecoveryTarget) =>
    ({ inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, options, target }) });

  describe('credentials are recognised in every spelling pgBackRest accepts', () => {
    test.each([
      // Index-less: pgBackRest reads these as repo1's (or refuses them at run time, after they reached the manifests).
      'repo-s3-key', 'repo-s3-key-secret', 'repo-cipher-pass', 'repo-azure-key', 'repo-s3-sse-customer-key', 'repo-s3-token',
      'repo-gcs-key', 'repo-sftp-private-key-passphrase',
      // Other indexes, zero-padded indexes, pgBackRest's internal passphrase option.
      'repo4-s3-key', 'repo01-s3-key', 'cipher-pass',
      // Near spellings that are not pgBackRest's but must not smuggle a secret past the check either.
      'REPO1_S3_KEY', 'PGBACKREST_REPO1_S3_KEY', '--repo1-s3-key', 'Repo1-S3-Key', ' repo1-s3-key',
    ])('pgbackrestOptions key %j', option => {
      const m = refusal({ pgbackrestOptions: { [option]: SECRET } });
      expect(m).toContain(`pgbackrestOptions[${JSON.stringify(option)}]: ${JSON.stringify(option)}: is a credential; give it through a CredentialSource`);
      expect(m).not.toContain(SECRET);
    });

    test.each([
      ['--repo-s3-key', `--repo-s3-key=${SECRET}`],
      ['--repo1-s3-key-sec', `--repo1-s3-key-sec=${SECRET}`], // an abbreviation pgBackRest expands on the command line
      ['--repo2-cipher-pass', `--repo2-cipher-pass=${SECRET}`],
      ['--repo-azure-key', `--repo-azure-key=${SECRET}`],
      ['--REPO1-S3-KEY-SECRET', `--REPO1-S3-KEY-SECRET=${SECRET}`],
      ['--repo1-s3-token', '--repo1-s3-token'],
    ])('restore and manual backup option %s', (name, arg) => {
      for (const [props, field] of [
        [inPlace([arg]), 'inPlaceRestore.options[0]'],
        [{ manualBackup: { repoName: 'repo1', options: [arg] as string[] } }, 'manualBackup.options[0]'],
        [{ restoreFrom: Restore.fromClusterName({ clusterName: 'old', repoName: 'repo1', options: [arg] }) }, 'restoreFrom.options[0]'],
      ] as const) {
        const m = refusal(props);
        expect(m).toContain(`${field}: ${JSON.stringify(name)}: is a credential; give it through a CredentialSource`);
        expect(m).not.toContain(SECRET);
      }
    });

    test('a secure option that is not a secret is still refused on the command line', () => {
      expect(refusal(inPlace(['--repo1-azure-account=acct']))).toContain('inPlaceRestore.options[0]: "--repo1-azure-account=acct": is set by the library');
    });
  });

  describe('option names are checked against pgBackRest 2.58\'s own list', () => {
    test.each([
      ['repo1-retention-ful', 'is not a pgBackRest 2.58 option; did you mean repo1-retention-full?'],
      ['compress-levl', 'is not a pgBackRest 2.58 option; did you mean compress-level?'],
      ['repo1-bundel', 'is not a pgBackRest 2.58 option; did you mean repo1-bundle?'],
      ['constructor', 'is not a pgBackRest 2.58 option'],
      ['retention-full', 'is a deprecated or index-less name pgBackRest reads as repo1-retention-full; write repo1-retention-full'],
      ['repo-retention-full', 'pgBackRest refuses it without an index; write repo1-retention-full'],
      ['compress1-level', 'pgBackRest refuses it with an index; write compress-level'],
      ['no-compress', 'pgBackRest ignores no- options in a conf file; write compress = n or leave it out'],
      ['stanza', 'is a command-line option; pgBackRest ignores it in a conf file'],
      ['repo1-path', 'is set by the library from repos[0].path; use that instead'],
      ['repo-path', 'is a deprecated or index-less name pgBackRest reads as repo1-path'],
      ['repo1-type', 'is set by the library from the repo\'s factory (BackupRepo.volume, .s3, .gcs or .azure)'],
      ['repo1-storage-verify-tls', 'is set by the library from repos[0].verifyTls'],
      ['repo1-host', 'is set by the library from a volume repo is served by the cluster\'s repo host'],
      ['pg1-path', 'is set by the library from the library sets PostgreSQL\'s data directory'],
      ['db-path', 'is a deprecated or index-less name pgBackRest reads as pg1-path'],
      ['tls-server-auth', 'is set by the library from the TLS certificates (standalone.tls)'],
      ['repo3-retention-full', 'the cluster has no repo3 (its repos: repo1); an option of another repo makes pgBackRest use a repo the cluster does not declare'],
      ['repo1-local', 'is internal to pgBackRest'],
    ])('pgbackrestOptions key %j', (option, allowed) => {
      const m = refusal({ pgbackrestOptions: { [option]: '3' } });
      expect(m).toContain(`pgbackrestOptions[${JSON.stringify(option)}]: ${JSON.stringify(option)}: ${allowed}`);
    });

    test('retention options are the typed retention\'s when the repo has one, the user\'s otherwise', () => {
      const m = refusal({ repos: [volume({ retention: BackupRetention.fullCount(2) })], pgbackrestOptions: { 'repo1-retention-full': '3' } });
      expect(m).toContain('pgbackrestOptions["repo1-retention-full"]: "repo1-retention-full": is set by the library from repos[0].retention (BackupRetention)');
      expect(() => make({ pgbackrestOptions: { 'repo1-retention-full': '3', 'io-timeout': '10', 'compress-level': '9' } })).not.toThrow();
    });

    test.each([
      ['--proces-max=4', 'is not a pgBackRest 2.58 option; did you mean --process-max?'],
      ['--process-m=4', 'is an abbreviation pgBackRest reads as --process-max; write the full name'],
      ['--start-fast', 'is not an option of pgbackrest restore (backup take it)'],
      ['--pg2-path=/tmp', '--pg2-path is not allowed here: the data directory is fixed by the cluster'],
      ['--db-path=/tmp', '--db-path is not allowed here: the data directory is fixed by the cluster'],
      ['--repo1-path=/elsewhere', 'is set by the library from the repo.path'],
      ['--config=/tmp/x.conf', 'is set by the library from the library (each pod reads the conf files it mounts)'],
      ['--target-act=pause', '--target-act is not allowed here: the restore always promotes'],
    ])('restore option %j', (arg, allowed) => {
      expect(refusal(inPlace([arg]))).toContain(`inPlaceRestore.options[0]: ${JSON.stringify(arg)}: ${allowed}`);
    });

    test('manual backup options are checked against the backup command', () => {
      const m = refusal({ manualBackup: { repoName: 'repo1', options: ['--db-include=app', '--ty=incr', '--annotation=reason=upgrade'] } });
      expect(m).toContain('manualBackup.options[0]: "--db-include=app": is not an option of pgbackrest backup (restore take it)');
      expect(m).toContain('manualBackup.options[1]: "--ty=incr": --ty is not allowed here: the type is chosen with backupType');
      expect(m).not.toContain('manualBackup.options[2]');
    });

    test('documented options pass', () => {
      expect(() => make({
        ...inPlace(['--db-include=app', '--process-max=4', '--delta', '--no-delta', '--tablespace-map=ts1=/pgdata/ts1']),
        manualBackup: { repoName: 'repo1', options: ['--annotation=reason=pre-upgrade', '--start-fast'] },
      })).not.toThrow();
    });
  });

  describe('nothing that reaches IVYO\'s shell is interpreted by it', () => {
    test.each([
      '--db-include=app;touch${IFS}/tmp/x;#', '--db-include=$(id)', '--db-include=`id`', '--db-include=a&&b', '--db-include=a|b',
      '--db-include=a>b', '--db-include=a<b', '--db-include=*', '--db-include=ap?', '--db-include={a,b}', '--db-include=[ab]',
      '--db-include=a b', '--db-include=a\nb', '--db-include=\'x\'', '--db-include="x"', '--db-include=~', '--db-include=a!b',
      '--db-include=a\\b', '--db-include=(a)', '--db-include=a#b', '--db-include=a\tb',
    ])('restore option %j', arg => {
      for (const [props, field] of [
        [inPlace([arg]), 'inPlaceRestore.options[0]'],
        [{ restoreFrom: Restore.fromClusterName({ clusterName: 'old', repoName: 'repo1', options: [arg] }) }, 'restoreFrom.options[0]'],
      ] as const) {
        const m = refusal(props);
        expect(m).toContain(`${field}: ${JSON.stringify(arg)}: must contain only letters, digits and - _ = . , : / + @ % (IVYO runs restore and backup options through bash`);
      }
    });

    test.each(['a;b', '$(id)', 'a|b', 'a b', 'x`id`', 'a&b', 'a\nb', '*', ''])('restore point name %j', name => {
      const m = refusal(inPlace([], RecoveryTarget.restorePoint(name)));
      expect(m).toContain(`inPlaceRestore.target.restorePoint: ${JSON.stringify(name)}: must be 1 to 63 letters, digits and - _ = . , : / + @ %`);
    });

    test('a manual backup option', () => {
      const m = refusal({ manualBackup: { repoName: 'repo1', options: ['--annotation=a=$(id)'] } });
      expect(m).toContain('manualBackup.options[0]: "--annotation=a=$(id)": must contain only letters, digits and - _ = . , : / + @ %');
    });

    test('a time target is double-quoted for IVYO, and only literal characters are inside the quotes', () => {
      expect(RecoveryTarget.time('2026-11-26 14:15:11+01').toOperatorOptions()).toEqual(['--type=time', '--target="2026-11-26 14:15:11+01"']);
      expect(RecoveryTarget.restorePoint('before-upgrade').toOperatorOptions()).toEqual(['--type=name', '--target=before-upgrade']);
      const message = validationMessage(() => RecoveryTarget.restorePoint('a;b c').toOperatorOptions());
      expect(message).toContain('target[1]: "--target=a;b c": must contain only letters, digits and - _ = . , : / + @ %');
    });
  });

  describe('nothing breaks out of its line in a pgBackRest conf file', () => {
    test('an S3 instance role name', () => {
      const m = refusal({
        repos: [BackupRepo.s3({ bucket: 'backups', region: 'us-east-1', credentials: RepoCredentials.s3InstanceRole({ roleName: 'pg\nrepo1-storage-verify-tls=n' }) })],
      });
      expect(m).toContain('repos[0].credentials.roleName: "pg\\nrepo1-storage-verify-tls=n": must be an IAM role name (not an ARN)');
    });

    test.each(['hippo\ntls-server-auth=anyone=*', 'a=b', 'a,b', '*', 'x'.repeat(65)])('a pgBackRest TLS common name %j', cn => {
      const m = refusal({
        target: DeploymentTarget.STANDALONE,
        standalone: {
          tls: TlsCertificates.fromSecrets({ pgbackrestSecretName: 'pgbr-tls', postgresSecretName: 'pg-tls', replicationSecretName: 'repl-tls', pgbackrestCommonName: cn }),
        },
      });
      expect(m).toContain(`standalone.tls.pgbackrestCommonName: ${JSON.stringify(cn)}: must be a certificate common name`);
    });

    test.each(['a\0b', 'a\rb', 'a\nb'])('a pgbackrestOptions value %j', value => {
      expect(refusal({ pgbackrestOptions: { 'io-timeout': value } })).toContain(`pgbackrestOptions["io-timeout"]: ${JSON.stringify(value)}: must be a single-line string`);
    });

    test('a repo path with a NUL', () => {
      expect(refusal({ repos: [volume({ path: '/pgbackrest/repo1/a\0b' })] })).toContain('repos[0].path: "/pgbackrest/repo1/a\\u0000b": must be an absolute path');
    });

    test('the renderer refuses anything that would add a line, naming the option', () => {
      const refused = (sections: Parameters<typeof renderIni>[0]) => validationMessage(() => renderIni(sections, 'test/conf'));
      expect(refused({ global: { 'repo1-s3-role': 'a\nrepo1-storage-verify-tls=n' } }))
        .toContain('config["global"]["repo1-s3-role"]: "a\\nrepo1-storage-verify-tls=n": a conf file value must be one line');
      expect(refused({ global: { 'tls-server-auth': 'cn=db\rtls-server-auth=anyone=*' } })).toContain('config["global"]["tls-server-auth"]');
      expect(refused({ global: { 'a=b': 'c' } })).toContain('config["global"]["a=b"]: "a=b": a conf file key must be a pgBackRest option name');
      expect(refused({ global: { '[db]': 'c' } })).toContain('config["global"]["[db]"]');
      expect(refused({ 'db]\n[x': { 'pg1-path': '/x' } })).toContain('a conf file section must be a stanza or global[:command] name');
      expect(refused({ global: { 'log-path': 'a\0b' } })).toContain('config["global"]["log-path"]');
      expect(renderIni({ global: { 'log-path': '/tmp/x' } })).toContain('log-path = /tmp/x\n');
    });
  });

  describe('a volume repo writes only at or below its mount', () => {
    test.each(['/pgbackrest/repo1/../../etc', '/pgbackrest/repo1/..', '/pgbackrest/repo1/./x', '/pgbackrest/repo1/a/../b'])('path %j', path => {
      const m = refusal({ repos: [volume({ path })] });
      expect(m).toContain(`repos[0].path: ${JSON.stringify(path)}: must be a normalised path: no "." or ".." segment`);
    });

    test('an option cannot move it either', () => {
      expect(refusal({ pgbackrestOptions: { 'repo1-path': '/etc' } })).toContain('pgbackrestOptions["repo1-path"]: "repo1-path": is set by the library from repos[0].path');
    });

    test('a path below the mount passes', () => {
      expect(() => make({ repos: [volume({ path: '/pgbackrest/repo1/sub.dir/x..y' })] })).not.toThrow();
    });
  });
});
