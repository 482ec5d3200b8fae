/**
 * End-to-end, Azure Blob (Azurite over TLS, which checks SharedKey signatures): scenarios 1-3, and 9: a wrong
 * credential fails the backup with a clear error, WAL stays queued, and reaches the repo once the credential is fixed.
 */
import { BackupRepo, BackupRetention, CaCertificate, CredentialSource, RepoCredentials, S3UriStyle } from '../src';
import { AZURITE_ACCOUNT, AZURITE_KEY, BUCKET } from './e2e/harness/emulators';
import { objectStoreSuite, schedule } from './e2e/object-store-suite';
import { info, until, write } from './e2e/scenario';

const WRONG_KEY = Buffer.from('this is not the account key, it is wrong on purpose').toString('base64');

objectStoreSuite({
  kind: 'azure',
  repos: emulators => [
    BackupRepo.azure({
      container: BUCKET,
      endpoint: emulators.host('azure'),
      port: emulators.port('azure'),
      uriStyle: S3UriStyle.PATH,
      caCertificate: CaCertificate.fromSecret('emulator-ca', 'ca.crt'),
      credentials: RepoCredentials.azureSharedKey({ account: AZURITE_ACCOUNT, key: CredentialSource.fromSecret('azure-creds', 'key') }),
      schedule: schedule(),
      retention: BackupRetention.fullCount(3),
    }),
  ],
  secrets: emulators => ({ 'azure-creds': { key: AZURITE_KEY }, 'emulator-ca': { 'ca.crt': emulators.ca.cert } }),
  more: ctx => {
    test('9. a wrong credential: the backup fails clearly, WAL stays queued, and is archived once the credential is fixed', async () => {
      const { k, primary } = ctx();
      const archivedBefore = (await info(k, primary)).archive[0].max;
      k.setSecret('azure-creds', { key: WRONG_KEY });
      // Environment from a Secret is read when a container starts: roll the instance, as after a rotation.
      await k.stopPod(primary);
      await (await k.startStatefulSetPod('hippo-instance1', 0)).waitReady(300);

      const backup = await k.runJob('CronJob', 'hippo-repo1-full');
      expect(backup.succeeded).toBe(false);
      expect(backup.logs).toMatch(/HTTP request failed with 403 \(Server failed to authenticate the request/);

      await write(k, primary, 'while-broken');
      const segment = await k.psql(primary, 'select pg_walfile_name(pg_switch_wal())');
      await until('the archiver to report the failure', 120, async () => Number(await k.psql(primary, 'select failed_count from pg_stat_archiver')) > 0);
      // Not archived, so PostgreSQL keeps the segment ready for a retry: nothing is lost.
      const ready = await k.exec(primary, 'database', ['ls', `/pgdata/pg18/pg_wal/archive_status/${segment}.ready`]);
      expect(ready.code).toBe(0);
      // pgBackRest itself reports the repo as unreadable rather than showing stale data.
      const broken = await info(k, primary, { expectUnreadable: true });
      expect(broken.archive).toEqual([]);
      expect(broken.raw.status.message).toMatch(/other/);
      expect(archivedBefore < segment).toBe(true);

      k.setSecret('azure-creds', { key: AZURITE_KEY });
      await k.stopPod(primary);
      await (await k.startStatefulSetPod('hippo-instance1', 0)).waitReady(300);
      await until(`${segment} in the repo`, 180, async () => (await info(k, primary)).archive[0].max >= segment);
      expect((await k.runJob('CronJob', 'hippo-repo1-incr')).succeeded).toBe(true);
    });
  },
});
