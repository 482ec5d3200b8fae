/**
 * Where backup plan reports go: app-wide settings (BackupPlanReports, the context key), the per-cluster switch, and
 * nothing in cdk8s's temporary output directories unless asked.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Size, Testing } from 'cdk8s';
import {
  BackupPlanReports, BackupRepo, BackupSchedule, IvoryCluster, IvoryClusterProps,
} from '../src';

const scratch: string[] = [];
afterAll(() => scratch.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function cluster(app: App, props: Partial<IvoryClusterProps> = {}): void {
  const chart = new Chart(app, 'db', { namespace: 'payments' });
  new IvoryCluster(chart, 'hippo', {
    repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })],
    ...props,
  });
}

const reports = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.includes('backup-plan')).sort() : []);
const BOTH = ['payments.hippo.backup-plan.md', 'payments.hippo.backup-plan.svg'];

test('an app writes reports beside its manifests by default', () => {
  const outdir = path.join(tempDir('ivory-app-'), 'dist');
  const app = new App({ outdir });
  cluster(app);
  app.synth();
  expect(reports(outdir)).toEqual(BOTH);
});

test('nothing is written into Testing.app()\'s or `cdk8s synth --stdout`\'s temporary folder unless asked', () => {
  const testing = Testing.app();
  scratch.push(testing.outdir);
  cluster(testing);
  testing.synth();
  expect(reports(testing.outdir)).toEqual([]);

  // cdk8s synth --stdout runs the app with CDK8S_OUTDIR=<tmp>/cdk8s-XXXXXX, prints the manifests and deletes it.
  const stdout = new App({ outdir: tempDir('cdk8s-') });
  cluster(stdout);
  stdout.synth();
  expect(reports(stdout.outdir)).toEqual([]);

  const asked = Testing.app();
  scratch.push(asked.outdir);
  cluster(asked, { backupPlan: { writeReport: true } });
  asked.synth();
  expect(reports(asked.outdir)).toEqual(BOTH);
});

test('BackupPlanReports.configure: a directory of their own (also under Testing), or none at all', () => {
  const directory = path.join(tempDir('ivory-reports-'), 'reports');
  const app = Testing.app();
  scratch.push(app.outdir);
  cluster(app);
  BackupPlanReports.configure(app, { directory });
  app.synth();
  expect(reports(directory)).toEqual(BOTH);
  expect(reports(app.outdir)).toEqual([]);

  const outdir = path.join(tempDir('ivory-app-'), 'dist');
  const off = new App({ outdir });
  BackupPlanReports.configure(off, { enabled: false });
  cluster(off);
  off.synth();
  expect(reports(outdir)).toEqual([]);

  // The per-cluster opt-out wins over the app's setting.
  const optOut = Testing.app();
  scratch.push(optOut.outdir);
  BackupPlanReports.configure(optOut, { directory });
  fs.rmSync(directory, { recursive: true });
  cluster(optOut, { backupPlan: { writeReport: false } });
  optOut.synth();
  expect(reports(directory)).toEqual([]);

  expect(() => BackupPlanReports.configure(app, { directory: '' })).toThrow(/directory: "": must be a non-empty path/);
});

test('the context key: false, or a directory', () => {
  const outdir = path.join(tempDir('ivory-app-'), 'dist');
  const off = new App({ outdir });
  off.node.setContext(BackupPlanReports.CONTEXT_KEY, false);
  cluster(off);
  off.synth();
  expect(reports(outdir)).toEqual([]);

  const directory = path.join(tempDir('ivory-reports-'), 'reports');
  const app = Testing.app();
  scratch.push(app.outdir);
  app.node.setContext('cdk8s-ivorysql:backupPlanReports', directory);
  cluster(app);
  app.synth();
  expect(reports(directory)).toEqual(BOTH);

  const bad = Testing.app();
  scratch.push(bad.outdir);
  bad.node.setContext(BackupPlanReports.CONTEXT_KEY, 42);
  cluster(bad);
  expect(() => bad.synth()).toThrow(/context cdk8s-ivorysql:backupPlanReports: 42: must be false, true or a directory/);
});

test('the operator report says its schedules follow the kube-controller-manager\'s time zone', () => {
  const chart = Testing.chart();
  const c = new IvoryCluster(chart, 'hippo', { repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFull() })] });
  const markdown = c.planAnalysis.toMarkdown();
  expect(markdown).toContain('IVYO creates its CronJobs without a time zone, so they run in the kube-controller-manager\'s time zone, usually UTC');
  expect(markdown).toMatch(/\| repo1 \| full \| `0 1 \* \* \*` \| .* \| kube-controller-manager's \(usually UTC\) \|/);
});
