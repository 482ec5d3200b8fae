/**
 * Operator target, credentials in conf-file Secrets (IVYO's own way): an S3 repo whose keys are in the Secret
 * `hippo-s3-creds` (key `s3.conf`) and whose encryption passphrase is in `hippo-cipher` (key `cipher.conf`):
 *
 *   [global]                        [global]
 *   repo1-s3-key=...                repo1-cipher-pass=...
 *   repo1-s3-key-secret=...
 *
 * The files name the repo index, so the repo is named `repo1` explicitly.
 */
import { App, Chart, Size } from 'cdk8s';
import { BackupRepo, BackupRetention, BackupSchedule, CredentialSource, IvoryCluster, RepoCredentials, RepoEncryption } from '../../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'operator-conf-secrets', { namespace: 'payments' });
  new IvoryCluster(chart, 'hippo', {
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(50) }],
    repos: [
      BackupRepo.s3({
        name: 'repo1',
        bucket: 'acme-pg-backups',
        region: 'eu-central-1',
        credentials: RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf'),
        encryption: RepoEncryption.aes256Cbc(CredentialSource.fromConfSecret('hippo-cipher', 'cipher.conf')),
        schedule: BackupSchedule.weeklyFullDailyDifferential({ hour: 1 }),
        retention: BackupRetention.fullCount(4),
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
