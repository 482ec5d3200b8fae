/**
 * The library as a user gets it: `npm pack` of the compiled build, installed with its peers into a fresh cdk8s app
 * outside the repo, which declares the common setups, is synthesized by the real `cdk8s synth` (cdk8s-cli, pinned,
 * installed once into a cache outside the clone) and has a jest snapshot test of its own. Slow (a jsii compile when
 * lib/ is older than src/, an npm install from the registry); skipped with one line under E2E=0.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWith } from './support/prerequisites';

const ROOT = path.join(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

/**
 * The cdk8s-cli whose `cdk8s synth` runs the app. Pinned: the version keys the cache, and the assertions read what
 * this version prints. Bumping it is this one line (the next run installs the new version beside the old).
 */
const CLI_VERSION = '2.207.60';
/** Where downloads are kept between runs, outside the clone; the same place and variable as test/setup/build-engine.sh. */
const CACHE = process.env.ENGINE_CACHE ?? '/var/cache/cdk8s-ivorysql';

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

/**
 * The bin folder of cdk8s-cli CLI_VERSION, installed once into CACHE and reused: a warm run installs nothing. It sits
 * beside the app rather than in its devDependencies, like the `npm install -g cdk8s-cli` of cdk8s's getting-started
 * guide, so the app's own install stays the library and its peers. The install goes to a temporary folder renamed into
 * place, so a run that is stopped halfway, or two runs at once (CI and a developer on one machine), never leave a
 * half-installed CLI that later runs would take for a cached one.
 */
function cachedCli(): string {
  const dir = path.join(CACHE, `cdk8s-cli-${CLI_VERSION}`);
  const installed = () => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'cdk8s-cli', 'package.json'), 'utf8')).version === CLI_VERSION;
    } catch {
      return false;
    }
  };
  if (!installed()) {
    fs.mkdirSync(CACHE, { recursive: true });
    const partial = fs.mkdtempSync(`${dir}.partial-`);
    try {
      fs.writeFileSync(path.join(partial, 'package.json'), '{ "private": true }\n');
      // An npm cache of its own under CACHE: what the install downloads is kept with the install, outside the clone.
      execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--cache', path.join(CACHE, 'npm'), `cdk8s-cli@${CLI_VERSION}`],
        { cwd: partial, stdio: 'pipe' });
      fs.chmodSync(partial, 0o755); // mkdtemp's 0700 would keep the cache from anyone but its first user
      fs.renameSync(partial, dir);
    } catch (e) {
      // Another run may have put the same version in place first; anything else is a real failure. (Only a hand-made
      // folder of that name can be there and not be an install: it is never removed here, as a run may be using it.)
      if (!installed()) throw new Error(`cdk8s-cli ${CLI_VERSION} could not be installed into ${dir}: ${e}`);
    } finally {
      fs.rmSync(partial, { recursive: true, force: true });
    }
  }
  return path.join(dir, 'node_modules', '.bin');
}

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
  let cli = '';
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  beforeAll(() => {
    compileIfStale();
    cli = cachedCli();
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
    // As `cdk8s init typescript-app` writes it, with `app` run on JavaScript as after the template's `npm run build`
    // (`language` is for `cdk8s import`, whose languages have no JavaScript; synth runs `app`).
    fs.writeFileSync(path.join(app, 'cdk8s.yaml'), 'language: typescript\napp: node main.js\n');
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

  /**
   * `cdk8s synth` in the app, found on PATH as a user's shell finds it. CDK8S_ variables are left out of the
   * environment (the CLI reads any of them as an option, CDK8S_OUTPUT as the output folder) but for
   * CDK8S_CHECK_UPGRADE=false: the CLI's banner about a newer release would say what the registry has today.
   */
  const synth = (env: Record<string, string> = {}) => spawnSync('cdk8s', ['synth'], {
    cwd: app,
    encoding: 'utf8',
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_'))),
      PATH: `${cli}${path.delimiter}${process.env.PATH}`,
      NODE_OPTIONS: '',
      CDK8S_CHECK_UPGRADE: 'false',
      ...env,
    },
  });

  test('cdk8s synth: manifests and reports in dist/, nothing on stderr', () => {
    const result = synth();
    expect(`${result.status} ${result.stderr}`).toBe('0 ');
    // The CLI lists the manifests it found where it told the app to write: dist/, as cdk8s.yaml names no `output`.
    expect(result.stdout).toBe('Synthesizing application\n  - dist/db.k8s.yaml\n');
    const outdir = path.join(app, 'dist');
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

  test('cdk8s synth refused: the library\'s message once, no stack or code frame of its own, a non-zero exit, no manifests', () => {
    // A manifest from an earlier synth: a `kubectl apply -f dist/` after the refusal must find nothing to apply.
    const outdir = path.join(app, 'dist');
    fs.mkdirSync(outdir, { recursive: true });
    fs.writeFileSync(path.join(outdir, 'earlier.k8s.yaml'), 'kind: ConfigMap\n');
    const result = synth({ REFUSED: '1' });
    expect(result.status).toBeGreaterThan(0);
    // The CLI empties dist/ before it runs the app; the app makes it again, and the refusal (at synth, where checks
    // of the whole cluster run) comes before any file is written: nothing is left to apply.
    expect(fs.existsSync(outdir) ? fs.readdirSync(outdir) : []).toEqual([]);
    expect(result.stdout).toBe('Synthesizing application\n');
    // After the app, the CLI says that it failed, with a stack trace of the CLI's own (it prints the stack of any
    // error it ends on): what comes before that is the app's output, where the library's block must stand alone.
    const cliSays = `Error: command "node main.js " at ${app} returned a non-zero exit code 1\n`;
    expect(result.stderr.split(cliSays).length - 1).toBe(1);
    const [fromApp, fromCli] = result.stderr.split(cliSays);
    expect(fromApp.split('Invalid configuration').length - 1).toBe(1);
    // First thing in it (Node.js prints an uncaught error that has no stack frames in brackets).
    expect(fromApp).toMatch(/^\[?ValidationError: Invalid configuration at 'bad\/hippo':\n {2}- standby\.repoName: "repo1": is a volume repo /);
    // No stack trace, no code frame (the file:line and the caret under the throw), no properties printed again.
    expect(fromApp).not.toMatch(/^\s+at |^\s*\^+\s*$|\.js:\d+|node_modules\/cdk8s-ivorysql|problems:|constructPath:/m);
    // The CLI's frames are the CLI's and Node.js's: none of the library or of the app.
    expect(fromCli.split('\n').filter(line => line.trim() !== '' && !/^\s+at (.* \()?(node:|\S*\/node_modules\/cdk8s-cli\/)/.test(line)))
      .toEqual([]);
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
