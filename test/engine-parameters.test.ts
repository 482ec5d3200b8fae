/**
 * Every PostgreSQL parameter either target emits is one the engine takes: IvorySQL 5.4 as the image builds it
 * (test/setup/build-engine.sh) is started with the parameters of each tuning choice and database mode, and must
 * come up with them in effect. IVYO cannot run here, but its engine can: this is where the operator target's
 * `spec.patroni.dynamicConfiguration.postgresql.parameters` are proven. The standalone target's whole
 * postgresql.conf is proven by the end-to-end suites, which start every pod with it.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Size } from 'cdk8s';
import { BackupRepo, DatabaseMode, DeploymentTarget, IvoryClusterProps } from '../src';
import { IVORYSQL_PREFIX } from './e2e/harness/cluster';
import { describeWith } from './support/prerequisites';
import { find, synth } from './support/synth';
import { walCompressionMethods } from '../src/private/postgres/engine';

const BIN = `${IVORYSQL_PREFIX}/bin`;
const UID = 998;
const run = describeWith('engine-parameters', [
  { name: 'root (to run the server as another user)', present: () => process.getuid?.() === 0 },
  { name: `IvorySQL 5.4 at ${IVORYSQL_PREFIX} (test/setup/build-engine.sh)`, present: () => fs.existsSync(`${BIN}/postgres`) },
]);
jest.setTimeout(300_000);

/** Runs an IvorySQL binary as an unprivileged user (PostgreSQL refuses root). */
function asUser(command: string, args: string[], options: { input?: string } = {}): string {
  return execFileSync('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', '--', `${BIN}/${command}`, ...args],
    { encoding: 'utf8', input: options.input, env: { PATH: `${BIN}:/usr/bin:/bin`, LC_ALL: 'C.UTF-8' }, stdio: ['pipe', 'pipe', 'pipe'] });
}

run('the built IvorySQL takes every PostgreSQL parameter the targets emit', () => {
  let dir: string;
  let port = 56400;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-params-'));
    fs.chownSync(dir, UID, UID);
    for (const mode of ['oracle', 'pg']) asUser('initdb', ['-D', path.join(dir, mode), `--dbmode=${mode}`, '--auth=trust']);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Starts the server of `mode` with `parameters`, returns SHOW of each, or throws with the server's log. */
  async function startWith(mode: string, parameters: { [name: string]: string }): Promise<{ [name: string]: string }> {
    const socket = path.join(dir, `sock-${++port}`);
    fs.mkdirSync(socket);
    fs.chownSync(socket, UID, UID);
    // Oracle mode opens a second listener (ivorysql.port, 1521 on localhost): one of its own per server here.
    const args = ['-D', path.join(dir, mode), '-c', `port=${port}`, '-c', `unix_socket_directories=${socket}`, '-c', 'listen_addresses=',
      ...(mode === 'oracle' ? ['-c', `ivorysql.port=${port + 1000}`] : []),
      ...Object.entries(parameters).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    let log = '';
    const server: ChildProcess = spawn('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', '--', `${BIN}/postgres`, ...args],
      { env: { PATH: `${BIN}:/usr/bin:/bin`, LC_ALL: 'C.UTF-8' } });
    server.stderr!.on('data', d => { log += d; });
    let exited = false;
    server.on('exit', () => { exited = true; });
    try {
      for (let i = 0; ; i++) {
        if (exited) throw new Error(`the server did not start with ${JSON.stringify(parameters)}:\n${log}`);
        try {
          asUser('pg_isready', ['-q', '-h', socket, '-p', String(port)]);
          break;
        } catch {
          if (i > 300) throw new Error(`the server is not ready after 30 s:\n${log}`);
          await new Promise(r => setTimeout(r, 100));
        }
      }
      const shown: { [name: string]: string } = {};
      for (const name of Object.keys(parameters)) {
        shown[name] = asUser('psql', ['-h', socket, '-p', String(port), '-d', 'postgres', '-XAtc', `show "${name}"`]).trim();
      }
      return shown;
    } finally {
      server.kill('SIGINT');
      await new Promise(r => (exited ? r(undefined) : server.on('exit', r)));
    }
  }

  /** What SHOW gives for a value set: PostgreSQL shows some in a canonical form. */
  function shownAs(parameters: { [name: string]: string }): { [name: string]: string } {
    const canonical: { [setting: string]: string } = { 'wal_compression=on': 'pglz', 'archive_timeout=60s': '1min' };
    return Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, canonical[`${k}=${v}`] ?? v]));
  }

  /** The parameters of a cluster: Patroni's for the operator, the settings of the standalone postgresql.conf that are no file path. */
  function emitted(props: Partial<IvoryClusterProps>): { operator: { [k: string]: string }; standalone: { [k: string]: string } } {
    const repos = [BackupRepo.volume({ size: Size.gibibytes(1) })];
    const cr = find(synth({ repos, ...props, databaseMode: props.databaseMode === DatabaseMode.POSTGRESQL ? undefined : props.databaseMode } as IvoryClusterProps), 'IvoryCluster');
    const conf: string = find(synth({ target: DeploymentTarget.STANDALONE, repos, ...props } as IvoryClusterProps), 'ConfigMap', 'hippo-config').data['postgresql.conf'];
    const standalone: { [k: string]: string } = {};
    for (const line of conf.split('\n')) {
      const m = /^([a-zA-Z_.]+) = (.*)$/.exec(line);
      if (!m) continue;
      // Files and the listener are the pods' (certificates, hba, socket): the end-to-end suites start them with those.
      if (/(_file|_directories|^port|^listen_addresses|^ssl)$/.test(m[1]) || m[1] === 'ssl') continue;
      standalone[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/''/g, "'");
    }
    return { operator: cr.spec.patroni.dynamicConfiguration.postgresql.parameters, standalone };
  }

  test('the wal_compression values the engine offers are exactly those the library allows for its image (no lz4, no zstd)', () => {
    let hint = '';
    try {
      asUser('postgres', ['-D', path.join(dir, 'oracle'), '-c', 'wal_compression=none-such', '-C', 'wal_compression']);
    } catch (e) {
      hint = String((e as any).stderr);
    }
    const offered = /HINT:\s+Available values: ([^.]+)\./.exec(hint)?.[1].split(', ').sort();
    expect(offered).toEqual(walCompressionMethods(18, { lz4: false, zstd: false }).sort());
  });

  for (const walCompression of [undefined, ...walCompressionMethods(18, { lz4: false, zstd: false })]) {
    test(`operator target, wal_compression ${walCompression ?? '(default)'}: Patroni's parameters start IvorySQL in Oracle mode`, async () => {
      const { operator } = emitted(walCompression ? { tuning: { walCompression } } : {});
      expect(Object.keys(operator).length).toBeGreaterThan(0);
      expect(await startWith('oracle', operator)).toEqual(shownAs(operator));
    });
  }

  for (const mode of [DatabaseMode.ORACLE, DatabaseMode.POSTGRESQL]) {
    test(`standalone target, database mode ${mode}: every setting of postgresql.conf is taken and in effect`, async () => {
      const { standalone } = emitted({ databaseMode: mode });
      expect(await startWith(mode, standalone)).toEqual(shownAs(standalone));
    });
  }

  test('negative control: lz4, which the library refuses for this image, is refused by the engine too', async () => {
    await expect(startWith('oracle', { wal_compression: 'lz4' })).rejects.toThrow(/invalid value for parameter "wal_compression": "lz4"/);
  });
});
