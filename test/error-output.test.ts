/**
 * What a user sees when `cdk8s synth` runs an app whose input is refused: the message, once, and nothing else of
 * the library (no code frame, no stack trace, no properties printed again). The app runs in a child process, as
 * cdk8s synth runs it: with ts-node (source-map-support draws code frames), and with plain Node.js on compiled
 * JavaScript (Node.js draws the code frame of the throw).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-error-output-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const app = (library: string) => `
import { App, Chart, Size } from 'cdk8s';
import { BackupRepo, BackupSchedule, IvoryCluster } from ${JSON.stringify(library)};
const app = new App({ outdir: ${JSON.stringify(path.join(dir, 'dist'))} });
const chart = new Chart(app, 'db', { namespace: 'payments' });
new IvoryCluster(chart, 'hippo', {
  repos: [BackupRepo.volume({ size: Size.gibibytes(1), schedule: new BackupSchedule({ full: '0 3 * * * *' }) })],
});
app.synth();
`;

const MESSAGE = 'repos[0].schedule.full: "0 3 * * * *": it has 6 fields; Kubernetes takes exactly 5';

function expectOneBlock(result: { status: number | null; stdout: string; stderr: string }): void {
  const output = `${result.stdout}${result.stderr}`;
  if (process.env.SHOW_OUTPUT) console.log(output);
  expect(result.status).not.toBe(0);
  expect(output.split("Invalid configuration at 'db/hippo':").length - 1).toBe(1);
  expect(output.split(MESSAGE).length - 1).toBe(1);
  // No stack trace, no code frame, nothing of the library's files.
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/validation\.[jt]s|ivory-cluster\.[jt]s|\^/);
  expect(output).not.toMatch(/problems:|constructPath:/);
}

test('ts-node: the message once, no code frame, no stack', () => {
  const main = path.join(dir, 'ts-main.ts');
  fs.writeFileSync(main, app(path.join(ROOT, 'src')));
  const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', '-P', path.join(ROOT, 'test', 'tsconfig.json'), main],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: path.join(ROOT, 'node_modules') } });
  expectOneBlock(result);
});

test('plain Node.js on compiled JavaScript: the message once, no code frame, no stack', () => {
  // The library as a package would ship it: each file compiled to CommonJS, comments kept.
  const lib = path.join(dir, 'lib');
  const files = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? files(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : []));
  for (const file of files(path.join(ROOT, 'src'))) {
    const out = path.join(lib, path.relative(path.join(ROOT, 'src'), file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
    }).outputText;
    fs.writeFileSync(out, js);
  }
  const main = path.join(dir, 'main.js');
  const source = ts.transpileModule(app(lib), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  fs.writeFileSync(main, source);
  const result = spawnSync(process.execPath, [main], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: path.join(ROOT, 'node_modules') } });
  expectOneBlock(result);
});
