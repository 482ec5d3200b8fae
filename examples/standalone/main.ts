/**
 * Standalone target: every object the operator would make, for clusters where no operator may be installed.
 * A PVC repo on a repo host and an S3 repo, TLS from cert-manager, credentials from Secrets you create.
 */
import { App, Chart, Size } from 'cdk8s';
import {
  BackupRepo, BackupRetention, BackupSchedule, ClientAccess, CredentialSource, DeploymentTarget, IvoryCluster, RepoCredentials, RepoEncryption,
} from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'standalone', { namespace: 'payments' });
  new IvoryCluster(chart, 'hippo', {
    target: DeploymentTarget.STANDALONE,
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(50) }],
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
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
