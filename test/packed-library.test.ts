/**
 * The library as a user gets it: `npm pack` of the compiled build, installed with its peers into a fresh cdk8s app
 * outside the repo, which declares the common setups, synthesizes them as `cdk8s synth` runs an app (CDK8S_OUTDIR),
 * and has a jest snapshot test of its own. Slow (a jsii compile when lib/ is older than src/, an npm install from
 * the registry); skipped with one line under E2E=0.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWith } from './support/prerequisites';

const ROOT = path.join(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

const MAIN = `
const { App, Chart, Size } = require('cdk8s');
const {
  BackupRepo, BackupSchedule, BackupRetention, CredentialSource, DeploymentTarget, IvoryCluster, RepoCredentials,
  RepoEncryption, Restore, Standby,
} = require('cdk8s-ivorysql');

function build(app) {
  const chart = new Chart(app, 'db', { namespace: 'payments' });
  const creds = RepoCredentials.fromConfSecret('hippo-s3-creds', 's3.conf');
  new IvoryCluster(chart, 'hippo', {
    instances: [{ replicas: 2, dataVolumeSize: Size.gibibytes(50) }],
    repos: [BackupRepo.s3({
      name: 'repo1', bucket: 'acme-pg-backups', region: 'eu-central-1', credentials: creds,
      encryption: RepoEncryption.aes256Cbc(CredentialSource.fromConfSecret('hippo-cipher', 'cipher.conf')),
      schedule: BackupSchedule.dailyFull({ hour: 3 }), retention: BackupRetention.fullDays(14),
    })],
  });
  new IvoryCluster(chart, 'hippo2', {
    repos: [BackupRepo.s3({ name: 'repo1', bucket: 'acme-pg-backups', region: 'eu-central-1', credentials: creds })],
    restoreFrom: Restore.fromRepo(BackupRepo.s3({ name: 'repo1', bucket: 'acme-pg-backups', region: 'eu-central-1', path: '/pgbackrest/payments/hippo/repo1', credentials: creds })),
  });
  new IvoryCluster(chart, 'hippo-standby', {
    repos: [BackupRepo.s3({ name: 'repo1', bucket: 'acme-pg-backups', region: 'eu-central-1', path: '/pgbackrest/payments/hippo/repo1', credentials: creds })],
    standby: Standby.fromRepo('repo1'),
  });
  new IvoryCluster(chart, 'clone', {
    target: DeploymentTarget.STANDALONE,
    repos: [BackupRepo.volume({ size: Size.gibibytes(10) })],
    restoreFrom: Restore.fromRepo(BackupRepo.s3({ name: 'repo1', bucket: 'acme-pg-backups', region: 'eu-central-1', path: '/pgbackrest/payments/hippo/repo1', credentials: creds })),
  });
  return chart;
}
module.exports = { build };

if (require.main === module) {
  const app = new App();
  build(app);
  if (process.env.REFUSED) new IvoryCluster(new Chart(app, 'bad'), 'hippo', { repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], standby: Standby.fromRepo('repo1') });
  app.synth();
}
`;

const TEST = `
const { Testing } = require('cdk8s');
const { build } = require('./main');
test('the manifests', () => {
  expect(Testing.synth(build(Testing.app()))).toMatchSnapshot();
});
`;

const describePacked = describeWith('packed library', [
  { name: 'npm', present: () => spawnSync('npm', ['--version']).status === 0 },
]);

/** Compiles lib/ and .jsii with jsii when they are missing or older than a source file: the tarball packs them. */
function compileIfStale(): void {
  const built = path.join(ROOT, 'lib', 'index.js');
  const builtAt = fs.existsSync(built) && fs.existsSync(path.join(ROOT, '.jsii')) ? fs.statSync(built).mtimeMs : 0;
  const newest = Math.max(...fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts')).map(f => fs.statSync(path.join(ROOT, 'src', f)).mtimeMs));
  if (builtAt < newest) execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'pipe' });
}

describePacked('the packed library in a fresh cdk8s app', () => {
  jest.setTimeout(600_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-packed-'));
  const app = path.join(work, 'app');
  let tarball = '';
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  beforeAll(() => {
    compileIfStale();
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    tarball = path.join(work, packed[0].filename);
    fs.mkdirSync(app);
    const ours = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'my-cdk8s-app',
      version: '1.0.0',
      private: true,
      main: 'main.js',
      dependencies: {
        'cdk8s': ours.peerDependencies.cdk8s,
        'cdk8s-plus-28': ours.peerDependencies['cdk8s-plus-28'],
        'constructs': ours.peerDependencies.constructs,
        'cdk8s-ivorysql': `file:${tarball}`,
      },
    }, undefined, 2));
    fs.writeFileSync(path.join(app, 'cdk8s.yaml'), 'language: javascript\napp: node main.js\n');
    fs.writeFileSync(path.join(app, 'main.js'), MAIN);
    fs.writeFileSync(path.join(app, 'main.test.js'), TEST);
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, stdio: 'pipe' });
  });

  test('the published package.json: a version, no development scripts, no placeholder repository', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'cdk8s-ivorysql', 'package.json'), 'utf8'));
    expect(pkg.version).toBe('0.1.0');
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.repository).toBeUndefined();
    expect(fs.existsSync(path.join(ROOT, '.package.json.dev'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.test).toBeDefined();
  });

  test('synthesized as cdk8s synth runs the app: manifests and reports in the output directory', () => {
    const outdir = path.join(app, 'dist');
    execFileSync(process.execPath, ['main.js'], { cwd: app, env: { ...process.env, CDK8S_OUTDIR: outdir }, stdio: 'pipe' });
    expect(fs.readdirSync(outdir).sort()).toEqual([
      'db.k8s.yaml',
      'payments.clone.backup-plan.md', 'payments.clone.backup-plan.svg',
      'payments.hippo-standby.backup-plan.md', 'payments.hippo-standby.backup-plan.svg',
      'payments.hippo.backup-plan.md', 'payments.hippo.backup-plan.svg',
      'payments.hippo2.backup-plan.md', 'payments.hippo2.backup-plan.svg',
    ]);
    const yaml = fs.readFileSync(path.join(outdir, 'db.k8s.yaml'), 'utf8');
    expect(yaml).toContain('kind: IvoryCluster');
    // The restore sources keep repo1, as their conf-file Secret says.
    expect(yaml).toMatch(/dataSource:\n\s+pgbackrest:[\s\S]*?name: repo1/);
    expect(yaml).toContain('repo1-path = /pgbackrest/payments/hippo/repo1');
    expect(yaml).not.toMatch(/repo[2-9]-/);
    expect(fs.readFileSync(path.join(outdir, 'payments.hippo.backup-plan.md'), 'utf8')).toContain('kube-controller-manager');
  });

  test('a refusal prints its message once and nothing of the library', () => {
    const result = spawnSync(process.execPath, ['main.js'], { cwd: app, env: { ...process.env, REFUSED: '1', CDK8S_OUTDIR: path.join(work, 'refused') }, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output.split("Invalid configuration at 'bad/hippo':").length - 1).toBe(1);
    expect(output).toContain('standby.repoName: "repo1": is a volume repo');
    expect(output).not.toMatch(/^\s+at |node_modules\/cdk8s-ivorysql/m);
  });

  test('the app\'s own jest snapshot test: written, then checked', () => {
    // The user writes the snapshot on their machine, then CI checks it (--ci=false: this suite may itself run under CI).
    const run = (ci: boolean) => spawnSync(process.execPath, [JEST, '--rootDir', app, `--ci=${ci}`, '--coverage=false'],
      { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    const first = run(false);
    expect(`${first.status} ${first.stderr}`).toMatch(/^0 [\s\S]*1 snapshot written/);
    const second = run(true);
    expect(`${second.status} ${second.stderr}`).toMatch(/^0 [\s\S]*1 passed/);
    const snapshot = fs.readFileSync(path.join(app, '__snapshots__', 'main.test.js.snap'), 'utf8');
    expect(snapshot).toContain('"kind": "IvoryCluster"');
    // Nothing written into Testing's temporary folders (the clusters' names are this app's own).
    const ours = /^payments\.(clone|hippo2|hippo-standby)\.backup-plan/;
    expect(fs.readdirSync(os.tmpdir()).filter(d => d.startsWith('cdk8s.outdir.')).flatMap(d => {
      try {
        return fs.readdirSync(path.join(os.tmpdir(), d)).filter(f => ours.test(f));
      } catch {
        return [];
      }
    })).toEqual([]);
  });
});
