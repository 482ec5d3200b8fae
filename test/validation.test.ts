import { Size, Testing } from 'cdk8s';
import {
  BackupRepo, BackupRetention, BackupSchedule, BackupType, CredentialSource, DeploymentTarget, IvoryCluster, IvoryClusterProps,
  ManualBackup, PgBackRestVersion, RecoveryTarget, RepoCredentials, Restore, S3UriStyle,
} from '../src';
import { ValidationErrorDetails } from '../src/validation';
import { validationMessage } from './support/synth';

const s3Creds = () => RepoCredentials.s3AccessKey({
  accessKeyId: CredentialSource.fromExternalSecret('backup/s3', 'id'),
  secretAccessKey: CredentialSource.fromExternalSecret('backup/s3', 'secret'),
});
const volume = (props: Partial<Parameters<typeof BackupRepo.volume>[0]> = {}) => BackupRepo.volume({ size: Size.gibibytes(10), ...props });

function make(props: Partial<IvoryClusterProps>, id = 'hippo'): IvoryCluster {
  const chart = Testing.chart();
  return new IvoryCluster(chart, id, { repos: [volume()], externalSecretStore: { name: 'vault' }, ...props } as IvoryClusterProps);
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
    expect(m).toContain(`pgbackrestOptions[${JSON.stringify(option)}]: ${JSON.stringify(option)}: is a credential and must not be written in global`);
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
    const m = refusal({ manualBackup: new ManualBackup({ repoName: 'repo1', options: ['--repo=2'] }) });
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
