/**
 * Standalone target: every object the operator would make, for clusters where no operator may be installed.
 * Three instances run by Patroni with synchronous replication, a PVC repo on a repo host and an S3 repo, backups read from the replica, TLS from cert-manager, credentials from
 * Secrets you create, and two application users: one whose password is generated, one whose password is in a Secret
 * you manage. Each gets hippo-pguser-<user> with its connection strings (external-secrets writes them).
 */
import { App, Chart, Size } from 'cdk8s';
import {
  BackupRepo, BackupRetention, BackupSchedule, BackupSource, ClientAccess, CredentialSource, DeploymentTarget, IvoryCluster,
  RepoCredentials, RepoEncryption, UserPassword,
} from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'standalone', { namespace: 'payments' });
  new IvoryCluster(chart, 'hippo', {
    target: DeploymentTarget.STANDALONE,
    instances: [{ replicas: 3, dataVolumeSize: Size.gibibytes(50) }],
    // Patroni runs the instances: a replica takes over when the primary fails, and with synchronous replication a
    // failover loses no committed transaction.
    highAvailability: { synchronousReplication: true },
    // Backups read the replica when it runs, so the primary's disks serve only the application.
    backupJobs: { source: BackupSource.PREFER_STANDBY },
    // PostgreSQL admits the namespace's pods and the API's namespace (the instances always admit each other).
    standalone: { clientAccess: [ClientAccess.sameNamespace(), ClientAccess.fromNamespace('payments-api')] },
    repos: [
      BackupRepo.volume({
        size: Size.gibibytes(200),
        storageClassName: 'retain',
        schedule: BackupSchedule.weeklyFullDailyDifferentialHourlyIncremental({ hour: 1 }),
        retention: BackupRetention.fullCount(2),
      }),
      BackupRepo.s3({
        bucket: 'acme-pg-backups',
        region: 'eu-central-1',
        credentials: RepoCredentials.s3AccessKey({
          accessKeyId: CredentialSource.fromSecret('pg-backups-s3', 'access-key-id'),
          secretAccessKey: CredentialSource.fromSecret('pg-backups-s3', 'secret-access-key'),
        }),
        encryption: RepoEncryption.aes256Cbc(CredentialSource.fromSecret('pg-backups-cipher', 'passphrase')),
        schedule: BackupSchedule.dailyFull({ hour: 3 }),
        retention: BackupRetention.fullDays(14),
      }),
    ],
    users: [
      // Generated once by external-secrets' Password generator.
      { name: 'payments', databases: ['payments'] },
      // In a Secret you manage (key password): change it there and the database follows, without a restart.
      { name: 'reporting', databases: ['reporting', 'payments'], password: UserPassword.fromSecret('reporting-db-password') },
    ],
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
