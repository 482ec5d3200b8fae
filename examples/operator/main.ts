/**
 * Operator target: an IvoryCluster for the IvorySQL Operator with a volume repo and an S3 repo, credentials from
 * Vault through external-secrets, encryption, retention, schedules, a declared manual backup and the application's
 * user (IVYO writes its password and connection strings into the Secret hippo-pguser-payments).
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import {
  BackupRepo, BackupRetention, BackupSchedule, CredentialSource, IvoryCluster, RepoCredentials, RepoEncryption, UserPassword,
} from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'operator', { namespace: 'payments' });
  const hippo = new IvoryCluster(chart, 'hippo', {
    instances: [{ name: 'pg', replicas: 2, dataVolumeSize: Size.gibibytes(50), storageClassName: 'fast' }],
    repos: [
      BackupRepo.volume({
        size: Size.gibibytes(200),
        schedule: BackupSchedule.weeklyFullDailyDifferential({ hour: 1 }),
        retention: BackupRetention.fullCount(4),
      }),
    ],
    externalSecretStore: { name: 'vault', kind: 'ClusterSecretStore' },
    backupJobs: { ttlAfterFinished: Duration.days(1) },
    // IVYO generates the password (letters and digits only here) into hippo-pguser-payments.
    users: [{ name: 'payments', databases: ['payments'], password: UserPassword.generated({ alphanumeric: true }) }],
  });
  // The off-site repo, added after construction: it gets the next free name, repo2.
  hippo.addRepo(BackupRepo.s3({
    bucket: 'acme-pg-backups',
    region: 'eu-central-1',
    credentials: RepoCredentials.s3AccessKey({
      accessKeyId: CredentialSource.fromExternalSecret('pg/backups-s3', 'access-key-id'),
      secretAccessKey: CredentialSource.fromExternalSecret('pg/backups-s3', 'secret-access-key'),
    }),
    encryption: RepoEncryption.aes256Cbc(CredentialSource.fromExternalSecret('pg/backups-cipher', 'passphrase')),
    schedule: BackupSchedule.dailyFull({ hour: 3 }),
    retention: BackupRetention.fullDays(14),
  }));
  hippo.addManualBackup('BeforeMigration', { repoName: 'repo2', backupId: 'before-v2-migration' });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
