/**
 * End-to-end, Google Cloud Storage (a fake of the JSON API over TLS; no GCS emulator exists here): scenarios 1-3,
 * authenticating with a service-account key file projected from a Secret (OAuth JWT bearer flow).
 */
import { BackupRepo, BackupRetention, CaCertificate, CredentialSource, RepoCredentials } from '../src';
import { BUCKET } from './e2e/harness/emulators';
import { objectStoreSuite, schedule } from './e2e/object-store-suite';

let serviceKey = '';

objectStoreSuite({
  kind: 'gcs',
  repos: emulators => [
    BackupRepo.gcs({
      bucket: BUCKET,
      endpoint: `${emulators.host('gcs')}:${emulators.port('gcs')}`,
      caCertificate: CaCertificate.fromSecret('emulator-ca', 'ca.crt'),
      credentials: RepoCredentials.gcsServiceAccountKey(CredentialSource.fromSecret('gcs-key', 'key.json')),
      schedule: schedule(),
      retention: BackupRetention.fullCount(3),
    }),
  ],
  secrets: emulators => {
    serviceKey = emulators.gcsServiceKey();
    return { 'gcs-key': { 'key.json': serviceKey }, 'emulator-ca': { 'ca.crt': emulators.ca.cert } };
  },
});
