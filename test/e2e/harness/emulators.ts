/**
 * Real storage servers for the end-to-end tests, each over TLS with a test CA, on the harness bridge only:
 * s3rver (S3, with its listing fixed), Azurite (Azure Blob, checks SharedKey signatures) and a fake of the GCS
 * JSON API (no GCS emulator is available here).
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import { issue, KeyPair, makeCa } from './certs';

const EMULATORS = path.resolve(__dirname, '../../emulators');

export type EmulatorKind = 's3' | 'azure' | 'gcs';

/** The well-known Azurite account and key (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** s3rver's built-in access key (it checks the id, not the signature). */
export const S3RVER_KEY = 'S3RVER';
export const BUCKET = 'pgbr';

const PORTS: { [kind in EmulatorKind]: number } = { s3: 9000, azure: 10000, gcs: 4443 };
const HOSTS: { [kind in EmulatorKind]: string } = { s3: 's3.emulator.test', azure: 'azure.emulator.test', gcs: 'gcs.emulator.test' };

function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, host);
      socket.once('connect', () => { socket.destroy(); resolve(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export class Emulators {
  public readonly ca: KeyPair;
  private readonly server: KeyPair;
  private readonly processes = new Map<EmulatorKind, ChildProcess>();
  private readonly dir: string;

  constructor(private readonly address: string, root: string) {
    this.dir = path.join(root, 'emulators');
    fs.mkdirSync(this.dir, { recursive: true });
    this.ca = makeCa(path.join(this.dir, 'ca'), 'emulator-test-ca');
    this.server = issue(path.join(this.dir, 'ca'), this.ca, { commonName: 'emulators', dnsNames: Object.values(HOSTS), usages: ['server auth'] });
    fs.writeFileSync(path.join(this.dir, 'server.crt'), this.server.cert);
    fs.writeFileSync(path.join(this.dir, 'server.key'), this.server.key, { mode: 0o600 });
  }

  /** DNS names the pods resolve to the emulators. */
  public get hosts(): { [name: string]: string } {
    return Object.fromEntries(Object.values(HOSTS).map(h => [h, this.address]));
  }

  public host(kind: EmulatorKind): string {
    return HOSTS[kind];
  }

  public port(kind: EmulatorKind): number {
    return PORTS[kind];
  }

  public async start(kind: EmulatorKind): Promise<void> {
    const data = path.join(this.dir, `${kind}-data`);
    fs.mkdirSync(data, { recursive: true });
    const cert = path.join(this.dir, 'server.crt');
    const key = path.join(this.dir, 'server.key');
    const port = String(PORTS[kind]);
    const args = {
      s3: [path.join(EMULATORS, 's3rver.js'), this.address, port, data, cert, key, BUCKET],
      gcs: [path.join(EMULATORS, 'fake-gcs.js'), this.address, port, data, cert, key],
      azure: [path.join(EMULATORS, 'node_modules/azurite/dist/src/blob/main.js'), '--blobHost', this.address, '--blobPort', port,
        '--location', data, '--cert', cert, '--key', key, '--disableTelemetry', '--silent',
        // Pods reach it as azure.emulator.test: read the account from the path, not from the host name.
        '--disableProductStyleUrl'],
    }[kind];
    const log = fs.openSync(path.join(this.dir, `${kind}.log`), 'a');
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], cwd: this.dir });
    fs.closeSync(log);
    this.processes.set(kind, child);
    await waitForPort(this.address, PORTS[kind], 30_000);
    if (kind === 'azure') await this.createAzureContainer(BUCKET);
  }

  /** Stops an emulator, keeping its data, to make a repo unreachable. */
  public async stop(kind: EmulatorKind): Promise<void> {
    const child = this.processes.get(kind);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.processes.delete(kind);
  }

  public async destroy(): Promise<void> {
    await Promise.all([...this.processes.keys()].map(k => this.stop(k)));
  }

  /** Lists the object names under a prefix in the S3 emulator's directory. */
  public s3Objects(prefix: string): string[] {
    const bucketDir = path.join(this.dir, 's3-data', BUCKET);
    const names: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('._S3rver_object')) names.push(path.relative(bucketDir, p).replace(/\._S3rver_object$/, ''));
      }
    };
    walk(bucketDir);
    return names.filter(n => n.startsWith(prefix.replace(/^\//, ''))).sort();
  }

  /** The file s3rver keeps an object in. */
  public s3ObjectFile(name: string): string {
    return path.join(this.dir, 's3-data', BUCKET, `${name}._S3rver_object`);
  }

  /** Creates a container with a SharedKey-signed request: pgBackRest never creates buckets or containers. */
  private createAzureContainer(container: string): Promise<void> {
    const date = new Date().toUTCString();
    const version = '2021-06-08';
    const resource = `/${AZURITE_ACCOUNT}/${container}`;
    const stringToSign = ['PUT', '', '', '', '', '', '', '', '', '', '', '',
      `x-ms-date:${date}\nx-ms-version:${version}`, `/${AZURITE_ACCOUNT}${resource}\nrestype:container`].join('\n');
    const signature = crypto.createHmac('sha256', Buffer.from(AZURITE_KEY, 'base64')).update(stringToSign, 'utf8').digest('base64');
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.address,
        port: PORTS.azure,
        method: 'PUT',
        path: `${resource}?restype=container`,
        ca: this.ca.cert,
        servername: HOSTS.azure,
        headers: { 'x-ms-date': date, 'x-ms-version': version, 'Content-Length': 0, 'Authorization': `SharedKey ${AZURITE_ACCOUNT}:${signature}` },
      }, res => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 || res.statusCode === 409 ? resolve() : reject(new Error(`Azurite container create: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** A GCS service-account key file whose token_uri is the fake's /token; the private key is a throw-away one. */
  public gcsServiceKey(): string {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    return JSON.stringify({
      type: 'service_account',
      client_email: 'pgbackrest@e2e-test.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      token_uri: `https://${HOSTS.gcs}:${PORTS.gcs}/token`,
    });
  }
}
