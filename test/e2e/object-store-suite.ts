/**
 * The end-to-end scenarios every object store runs (1 to 3): stanza-create and WAL archiving, scheduled full,
 * differential and incremental backups, and a point-in-time restore into a new cluster, against a real emulator.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackupRepo, BackupSchedule, CaCertificate, IvoryCluster, IvoryClusterProps, S3UriStyle } from '../../src';
import { describeE2E, LocalCluster } from './harness/cluster';
import { BUCKET, EmulatorKind, Emulators } from './harness/emulators';
import { Network } from './harness/network';
import {
  App, archiveCurrentWal, boot, e2eProps, info, newChart, pointInTimeRestore, runCronJob, synthChart, Testing, write,
} from './scenario';

export interface SuiteContext {
  app: App;
  k: LocalCluster;
  emulators: Emulators;
  source: IvoryCluster;
  primary: string;
  props: IvoryClusterProps;
  /** Re-synthesizes the source cluster with changed props and applies it. */
  redeploy(changes: Partial<IvoryClusterProps>): void;
}

export interface ObjectStoreSuiteOptions {
  readonly kind: EmulatorKind;
  /** The cluster's repos; the object-store repo comes first (repo1). */
  readonly repos: (emulators: Emulators) => BackupRepo[];
  /** More cluster props. */
  readonly props?: Partial<IvoryClusterProps>;
  /** Secrets the user would create (credentials, CA). */
  readonly secrets: (emulators: Emulators) => { [name: string]: { [key: string]: string } };
  /** Checks that the repo's files are where the store keeps them. */
  readonly expectObjects?: (ctx: SuiteContext) => void;
  /** More scenarios, run after 1-3. */
  readonly more?: (ctx: () => SuiteContext) => void;
}

export function objectStoreSuite(options: ObjectStoreSuiteOptions): void {
  const run = describeE2E(`e2e-${options.kind}`);
  jest.setTimeout(900_000);

  run(`e2e: ${options.kind} repo`, () => {
    const ctx = {} as SuiteContext;

    beforeAll(async () => {
      const network = Network.create();
      ctx.emulators = new Emulators(network.gateway, fs.mkdtempSync(path.join(os.tmpdir(), `ivory-${options.kind}-`)));
      await ctx.emulators.start(options.kind);
      ctx.app = Testing.app();
      ctx.props = e2eProps({ ...options.props, repos: options.repos(ctx.emulators) });
      const chart = newChart(ctx.app);
      ctx.source = new IvoryCluster(chart, 'hippo', ctx.props);
      const secrets = options.secrets(ctx.emulators);
      ctx.k = new LocalCluster(synthChart(chart), { secrets, hosts: ctx.emulators.hosts }, network);
      ctx.redeploy = changes => {
        ctx.props = { ...ctx.props, ...changes };
        // The next `cdk8s synth` of the user's app: a new app (within one app, a second cluster of the name is refused).
        ctx.app = Testing.app();
        const c = newChart(ctx.app);
        ctx.source = new IvoryCluster(c, 'hippo', ctx.props);
        ctx.k.apply(synthChart(c));
      };
      ctx.primary = await boot(ctx.k, ctx.source);
    });

    afterAll(async () => {
      await ctx.k?.destroy();
      await ctx.emulators?.destroy();
    });

    test('1. stanza-create Job; WAL archived to every repo', async () => {
      const { k, primary } = ctx;
      await write(k, primary, 'one');
      const segment = await archiveCurrentWal(k, primary);
      const { archive, backups } = await info(k, primary);
      const repoCount = ctx.props.repos?.length ?? 0;
      expect(archive.map(a => a.repoKey).sort()).toEqual(Array.from({ length: repoCount }, (_, i) => i + 1));
      for (const a of archive) expect(a.max >= segment).toBe(true);
      expect(backups.map(b => [b.type, b.repoKey])).toEqual([['full', 1]]);
      options.expectObjects?.(ctx);
    });

    test('2. full, differential and incremental backups by running each CronJob', async () => {
      const { k, primary } = ctx;
      for (const type of ['full', 'diff', 'incr']) {
        await write(k, primary, type);
        await runCronJob(k, `hippo-repo1-${type}`);
      }
      const backups = (await info(k, primary)).backups.filter(b => b.repoKey === 1);
      expect(backups.slice(-3).map(b => b.type)).toEqual(['full', 'diff', 'incr']);
    });

    test('3. point-in-time restore into a new cluster: exactly the rows committed before the target', async () => {
      const { expected, restored, clone } = await pointInTimeRestore(ctx.k, ctx.app, ctx.source, ctx.primary, 'repo1');
      expect(restored.phases.after).toBeUndefined();
      expect(restored).toEqual(expected);
      await ctx.k.stopPod(clone);
    });

    options.more?.(() => ctx);
  });
}

/** A schedule with all three backup types (weekly full, daily differential, hourly incremental); the scenarios run them by hand. */
export function schedule(): BackupSchedule {
  return BackupSchedule.weeklyFullDailyDifferentialHourlyIncremental();
}

/** Where the S3 emulator's bucket is, as every S3 repo of the suites reaches it (its CA in the Secret `emulator-ca`). */
export function emulatorBucket(emulators: Emulators) {
  return {
    bucket: BUCKET,
    region: 'us-east-1',
    endpoint: emulators.host('s3'),
    port: emulators.port('s3'),
    uriStyle: S3UriStyle.PATH,
    caCertificate: CaCertificate.fromSecret('emulator-ca', 'ca.crt'),
  };
}
