/**
 * Operator target, a GCS repo with a service-account key file: the JSON key is in the Secret `hippo-gcs-key`
 * (key `key.json`); IVYO projects it as a file and pgBackRest reads it (`repo1-gcs-key-type=service`).
 */
import { App, Chart, Size } from 'cdk8s';
import { BackupRepo, BackupRetention, BackupSchedule, CredentialSource, IvoryCluster, RepoCredentials } from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'operator-gcs-key', { namespace: 'payments' });
  new IvoryCluster(chart, 'hippo', {
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(50) }],
    repos: [
      BackupRepo.gcs({
        bucket: 'acme-pg-backups',
        credentials: RepoCredentials.gcsServiceAccountKey(CredentialSource.fromSecret('hippo-gcs-key', 'key.json')),
        schedule: BackupSchedule.dailyFull({ hour: 2 }),
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
