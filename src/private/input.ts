/**
 * Run-time types of every public entry point, for JavaScript and jsii users whose types nobody checked: each
 * props interface's known prop names and the kind of value each takes, in one table, and one function that checks a
 * value against it. jsii cannot reflect interfaces, so the table is written by hand; test/input-types.test.ts checks
 * it against the interfaces' declarations.
 *
 * A value of the wrong kind is recorded with `Problems.refuse` (so nothing else is said about it) and left out of
 * the sanitized copy `checkInput` returns: code after the check sees a valid value or none, never a raw exception.
 * Ranges and syntax stay with the checks that know them (`_validate`); here only the kind is decided.
 */
import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { editDistance, Problems } from './validation';

/** Checks one value; returns it (possibly sanitized) when it has the right kind, else records a problem. */
export type Kind = (problems: Problems, field: string, value: unknown) => { ok: boolean; value?: unknown };

const ok = (value: unknown) => ({ ok: true, value });
const bad = (problems: Problems, field: string, value: unknown, allowed: string) => {
  problems.refuse(field, value, allowed);
  return { ok: false };
};

/** A string. */
export const str: Kind = (p, f, v) => (typeof v === 'string' ? ok(v) : bad(p, f, v, 'must be a string'));

/** A boolean: the string "false" is not false, and a flag given as one must not be read as true. */
export const bool: Kind = (p, f, v) => (typeof v === 'boolean' ? ok(v) : bad(p, f, v, 'must be true or false (a boolean, not a string or a number)'));

/** A finite number (ranges are checked where the field is used). */
export const num: Kind = (p, f, v) => (typeof v === 'number' && Number.isFinite(v) ? ok(v) : bad(p, f, v, 'must be a finite number'));

/** A whole number from `min` to `max`. */
export function int(min: number, max: number): Kind {
  return (p, f, v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? ok(v) : bad(p, f, v, `must be a whole number from ${min} to ${max}`));
}

/** Kubernetes stores quantities of bytes as int64: sizes are whole KiB up to 2^53 KiB so every rendering is exact. */
const MAX_KIB = Number.MAX_SAFE_INTEGER;

/**
 * A cdk8s Size of whole KiB. Sizes render as Kubernetes quantities in Ki (or pgBackRest byte counts), so
 * `Size.gibibytes(1.5)` (1572864 KiB) is fine and `Size.kibibytes(1.5)`, NaN and Infinity are not.
 */
export const size: Kind = (p, f, v) => {
  const allowed = 'must be a cdk8s Size of a whole number of KiB, e.g. Size.gibibytes(10) (Size.gibibytes(1.5) is 1572864 KiB and fine; '
    + 'a fraction of a KiB, NaN or Infinity is not)';
  if (!(v instanceof Size)) return bad(p, f, v, allowed);
  let kib: number;
  try {
    kib = v.toKibibytes();
  } catch {
    return bad(p, f, `Size of ${sizeText(v)}`, allowed);
  }
  if (!Number.isInteger(kib) || kib < 0 || kib > MAX_KIB) return bad(p, f, `Size of ${sizeText(v)}`, allowed);
  return ok(v);
};

function sizeText(v: Size): string {
  const s = v as unknown as { amount?: unknown; unit?: { label?: string } };
  return `${String(s.amount)} ${s.unit?.label ?? ''}`.trim();
}

/** Kubernetes keeps durations in seconds as int32 in the fields this library sets (ttlSecondsAfterFinished ...). */
const MAX_SECONDS = 2_147_483_647;

/** A cdk8s Duration of whole seconds (or whole minutes, for schedule steps), at most int32 seconds. */
export function duration(unit: 'seconds' | 'minutes' = 'seconds'): Kind {
  return (p, f, v) => {
    const allowed = `must be a cdk8s Duration of a whole number of ${unit}, at most ${MAX_SECONDS} seconds (int32, as Kubernetes stores it), `
      + `e.g. Duration.${unit}(30)`;
    if (!(v instanceof Duration)) return bad(p, f, v, allowed);
    let n: number;
    let seconds: number;
    try {
      n = unit === 'minutes' ? v.toMinutes() : v.toSeconds();
      seconds = v.toSeconds();
    } catch {
      return bad(p, f, `Duration of ${v.toHumanString()}`, allowed);
    }
    if (!Number.isInteger(n) || !Number.isInteger(seconds) || seconds > MAX_SECONDS) return bad(p, f, `Duration of ${v.toHumanString()}`, allowed);
    return ok(v);
  };
}

/** An instance of a class of this library (or cdk8s): a plain object with the same fields is not one. */
export function instance(cls: () => Function, what: string): Kind {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  return (p, f, v) => (v instanceof (cls() as unknown as new () => unknown) ? ok(v) : bad(p, f, v, `must be ${what}`));
}

/** A Date that is a real time. */
export const date: Kind = (p, f, v) => (v instanceof Date && !isNaN(v.getTime()) ? ok(v) : bad(p, f, v, 'must be a valid JavaScript Date'));

/** A list without holes, nulls or items of another kind. */
export function list(item: Kind, what: string): Kind {
  return (p, f, v) => {
    if (!Array.isArray(v)) return bad(p, f, v, `must be a list of ${what}`);
    let good = true;
    const items: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const result = i in v ? item(p, `${f}[${i}]`, v[i]) : undefined;
      if (result === undefined) p.refuse(`${f}[${i}]`, undefined, `is a hole in the list; must be ${what}`);
      if (result?.ok) items.push(result.value);
      else good = false;
    }
    if (!good) {
      // Its items were reported; checks of the list as a whole would only repeat them.
      p.silence(f);
      return { ok: false };
    }
    return ok(items);
  };
}

/** Keys that would set or read an object's prototype when used as a property name. */
const PROTOTYPE_KEYS = ['__proto__'];

/** A map of string keys to string values (options: the option check refuses names that are not options). */
export const stringMap: Kind = (p, f, v) => checkMap(p, f, v, false);

/** Labels and annotations: rendered as maps by cdk8s, which cannot render a key named `constructor`. */
export const metadataMap: Kind = (p, f, v) => checkMap(p, f, v, true);

function checkMap(p: Problems, f: string, v: unknown, rendered: boolean): { ok: boolean; value?: unknown } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(p, f, v, 'must be a map of string keys to string values');
  let good = true;
  for (const key of Object.keys(v)) {
    const value = (v as { [key: string]: unknown })[key];
    if (PROTOTYPE_KEYS.includes(key)) {
      p.refuse(`${f}[${JSON.stringify(key)}]`, key, 'is not a key anything here takes (as a property name it sets an object\'s prototype)');
      good = false;
    } else if (rendered && key === 'constructor') {
      // cdk8s tells plain objects from others by `obj.constructor.name` and cannot render this one.
      p.refuse(`${f}[${JSON.stringify(key)}]`, key, 'cdk8s cannot render a map with a key named constructor (it reads obj.constructor to tell plain objects from class instances)');
      good = false;
    } else if (typeof value !== 'string') {
      p.refuse(`${f}[${JSON.stringify(key)}]`, value, 'the value must be a string');
      good = false;
    }
  }
  if (!good) {
    p.silence(f);
    return { ok: false };
  }
  return ok(v);
}

/** Accepted as it is: checked by the code that takes it (an IvoryCluster as a restore source). */
export const anything: Kind = (_p, _f, v) => ok(v);

/** One prop of an interface: its kind and whether it must be given. */
interface PropSpec {
  readonly kind: Kind;
  readonly required?: boolean;
}

/** An interface: its props by name. */
export type Shape = { readonly [prop: string]: PropSpec };

const opt = (kind: Kind): PropSpec => ({ kind });
const req = (kind: Kind): PropSpec => ({ kind, required: true });

/** A nested props object of `name`. */
export function object(name: string, shape: () => Shape): Kind {
  return (p, f, v) => {
    const sanitized = checkShape(p, f, v, name, shape());
    return sanitized === undefined ? { ok: false } : ok(sanitized);
  };
}

/** The nearest of `names` to `written`, when one is near enough to be a typo of it. */
export function nearestName(written: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = editDistance(written.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(written.length / 3))) return best;
  // An abbreviation (`diffBackups`): the one known name that begins as it does.
  const prefix = written.toLowerCase().slice(0, 4);
  const starting = prefix.length === 4 ? names.filter(n => n.toLowerCase().startsWith(prefix)) : [];
  return starting.length === 1 ? starting[0] : undefined;
}

/**
 * Checks `value` as props of interface `name`: an object, no unknown prop (refused with the nearest known name),
 * every required prop given, each prop of its kind. Returns a copy holding only the props that passed, or undefined
 * when `value` is not an object at all.
 */
export function checkShape(problems: Problems, field: string, value: unknown, name: string, shape: Shape): { [prop: string]: unknown } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const required = Object.keys(shape).filter(k => shape[k].required);
    problems.refuse(field, value, `must be ${name}: an object${required.length ? ` with at least ${required.join(', ')}` : ' (or nothing)'}`);
    return undefined;
  }
  const known = Object.keys(shape);
  const out: { [prop: string]: unknown } = {};
  const at = (prop: string) => (field === '' ? prop : `${field}.${prop}`);
  for (const key of Object.keys(value)) {
    const v = (value as { [key: string]: unknown })[key];
    if (Object.prototype.hasOwnProperty.call(shape, key)) continue;
    // A prop left undefined says nothing, whatever its name (spread objects carry such keys).
    if (v === undefined) continue;
    const near = nearestName(key, known);
    problems.refuse(at(key), v, `is not a prop of ${name}${near ? `; did you mean ${near}?` : `; its props are ${known.join(', ')}`}`);
  }
  for (const prop of known) {
    const spec = shape[prop];
    const v = Object.prototype.hasOwnProperty.call(value, prop) || prop in Object(value) ? (value as { [key: string]: unknown })[prop] : undefined;
    if (v === undefined) {
      if (spec.required) problems.refuse(at(prop), undefined, `is required by ${name}`);
      continue;
    }
    const result = spec.kind(problems, at(prop), v);
    if (result.ok) out[prop] = result.value;
  }
  return out;
}

/** Checks a positional argument of a factory, e.g. the `count` of `BackupRetention.fullCount(count)`. */
export function checkArgument<T>(problems: Problems, field: string, value: T, kind: Kind, optional = false): T | undefined {
  if (value === undefined && optional) return undefined;
  const result = kind(problems, field, value);
  return result.ok ? result.value as T : undefined;
}

/** Checks props given to a factory or constructor against the table; an absent props object counts as `{}`. */
export function checkInput<T>(problems: Problems, name: keyof typeof SHAPES, props: T | undefined, field = ''): T {
  const shape = SHAPES[name]();
  if (props === undefined) {
    // Factories whose props are all optional may be called without them.
    if (Object.values(shape).some(s => s.required)) checkShape(problems, field, props, name, shape);
    return {} as T;
  }
  return (checkShape(problems, field, props, name, shape) ?? {}) as T;
}

/* eslint-disable @typescript-eslint/no-require-imports */
// The classes are looked up when a value is checked, not when this module loads: they import this module.
const cls = <T>(module: string, name: string) => () => (require(module) as { [name: string]: T })[name];
const cpu = instance(() => Cpu, 'a cdk8s-plus Cpu, e.g. Cpu.millis(500)');
const backupRepo = instance(cls('../backup-repo', 'BackupRepo'), 'a BackupRepo (BackupRepo.volume, .s3, .gcs or .azure)');
const credentialSource = instance(cls('../credential-source', 'CredentialSource'), 'a CredentialSource (CredentialSource.fromSecret, fromExternalSecret or fromConfSecret)');
const recoveryTarget = instance(cls('../recovery-target', 'RecoveryTarget'), 'a RecoveryTarget (RecoveryTarget.time, immediate, ...)');
const pgbackrestVersion = instance(cls('../pgbackrest-version', 'PgBackRestVersion'), 'a PgBackRestVersion (PgBackRestVersion.V2_58 or PgBackRestVersion.of("2.58"))');
const strings = list(str, 'strings');

const RESOURCES: Shape = {
  cpu: opt(object('CpuResources', () => ({ request: opt(cpu), limit: opt(cpu) }))),
  memory: opt(object('MemoryResources', () => ({ request: opt(size), limit: opt(size) }))),
};
const DURATIONS: Shape = { full: opt(duration()), differential: opt(duration()), incremental: opt(duration()) };
const REPO_OPTIONS: Shape = {
  name: opt(str),
  path: opt(str),
  retention: opt(instance(cls('../backup-retention', 'BackupRetention'), 'a BackupRetention (BackupRetention.fullCount or fullDays)')),
  schedule: opt(instance(cls('../backup-schedule', 'BackupSchedule'), 'a BackupSchedule (new BackupSchedule({...}) or a preset)')),
  encryption: opt(instance(cls('../repo-encryption', 'RepoEncryption'), 'a RepoEncryption (RepoEncryption.aes256Cbc)')),
};
const CONNECTION: Shape = {
  verifyTls: opt(bool),
  caCertificate: opt(instance(cls('../credential-source', 'CaCertificate'), 'a CaCertificate (CaCertificate.fromConfigMap or fromSecret)')),
  port: opt(num),
  storageHost: opt(str),
};
const OBJECT_STORE: Shape = { ...CONNECTION, storageTags: opt(stringMap) };
const credentials = req(instance(cls('../repo-credentials', 'RepoCredentials'), 'RepoCredentials (RepoCredentials.s3AccessKey, ...)'));
const RESTORE_OPTIONS: Shape = { target: opt(recoveryTarget), options: opt(strings), repoTargetTime: opt(str) };
const RETENTION_OPTIONS: Shape = { differentialBackups: opt(num), archiveBackups: opt(num), archiveType: opt(str), historyDays: opt(num) };

/** Every props interface of the public API: its props and their kinds. */
export const SHAPES = {
  IvoryClusterProps: (): Shape => ({
    name: opt(str),
    namespace: opt(str),
    target: opt(str),
    postgresVersion: opt(num),
    image: opt(str),
    imageBuild: opt(object('ImageBuildProps', () => ({ lz4: opt(bool), zstd: opt(bool) }))),
    databaseMode: opt(str),
    pgbackrestImage: opt(str),
    pgbackrestVersion: opt(pgbackrestVersion),
    instances: opt(list(object('InstanceSetProps', SHAPES.InstanceSetProps), 'instance sets (InstanceSetProps)')),
    port: opt(num),
    labels: opt(metadataMap),
    annotations: opt(metadataMap),
    repos: opt(list(backupRepo, 'BackupRepos')),
    pgbackrestOptions: opt(stringMap),
    tuning: opt(object('PgBackRestTuningProps', SHAPES.PgBackRestTuningProps)),
    backupJobs: opt(object('BackupJobOptions', () => ({
      resources: opt(object('ContainerResources', () => RESOURCES)),
      ttlAfterFinished: opt(duration()),
      successfulJobsRetained: opt(num),
      failedJobsRetained: opt(num),
      activeDeadline: opt(duration()),
      lockWait: opt(duration()),
      startingDeadline: opt(duration()),
      priorityClassName: opt(str),
      source: opt(str),
    }))),
    repoHost: opt(object('RepoHostOptions', () => ({ resources: opt(object('ContainerResources', () => RESOURCES)), priorityClassName: opt(str) }))),
    restoreFrom: opt(instance(cls('../restore', 'Restore'), 'a Restore (Restore.fromCluster, fromClusterName or fromRepo)')),
    inPlaceRestore: opt(instance(cls('../restore', 'Restore'), 'Restore.inPlace(...)')),
    standby: opt(instance(cls('../standby', 'Standby'), 'a Standby (Standby.fromRepo or Standby.fromHost)')),
    // Checked as their props, by the constructs they become (ManualBackup, BackupDeletion, RestoreCheck).
    manualBackup: opt(anything),
    backupDeletions: opt(list(anything, 'BackupDeletionProps')),
    restoreChecks: opt(list(anything, 'RestoreCheckProps')),
    // Checked as their props, by addUser.
    users: opt(list(anything, 'DatabaseUserProps')),
    externalSecretStore: opt(object('ExternalSecretStoreRef', () => ({ name: req(str), kind: opt(str), refreshInterval: opt(duration()) }))),
    standalone: opt(object('StandaloneOptions', () => ({
      tls: opt(instance(cls('../tls-certificates', 'TlsCertificates'), 'TlsCertificates (TlsCertificates.certManager or fromSecrets)')),
      runAsUser: opt(num),
      fsGroup: opt(num),
      userFromPlatform: opt(bool),
      clusterDomain: opt(str),
      initdbOverExistingStanza: opt(bool),
      clientAccess: opt(list(instance(cls('../client-access', 'ClientAccess'), 'a ClientAccess (ClientAccess.sameNamespace, fromNamespace, fromPods, ...)'),
        'ClientAccess values')),
    }))),
    monitoring: opt(object('BackupMonitoringProps', SHAPES.BackupMonitoringProps)),
    highAvailability: opt(object('HighAvailabilityProps', SHAPES.HighAvailabilityProps)),
    backupPlan: opt(object('BackupPlanOptions', () => ({
      expectedDurations: opt(object('ExpectedBackupDurations', () => DURATIONS)),
      collisions: opt(str),
      weekStarting: opt(str),
      horizon: opt(duration()),
      writeReport: opt(bool),
      operatorSuspend: opt(str),
    }))),
  }),
  HighAvailabilityProps: (): Shape => ({
    synchronousReplication: opt(bool),
    leaderLease: opt(duration()),
    loopWait: opt(duration()),
    retryTimeout: opt(duration()),
    pauseFailover: opt(bool),
    switchover: opt(object('SwitchoverProps', SHAPES.SwitchoverProps)),
  }),
  SwitchoverProps: (): Shape => ({ trigger: req(str), targetInstance: opt(str) }),
  BackupMonitoringProps: (): Shape => ({
    exporter: opt(bool),
    exporterImage: opt(str),
    exporterResources: opt(object('ContainerResources', () => RESOURCES)),
    alerts: opt(bool),
    grace: opt(duration()),
    ruleLabels: opt(metadataMap),
  }),
  InstanceSetProps: (): Shape => ({
    name: opt(str),
    replicas: opt(num),
    dataVolumeSize: opt(size),
    storageClassName: opt(str),
    walVolumeSize: opt(size),
    walStorageClassName: opt(str),
    resources: opt(object('ContainerResources', () => RESOURCES)),
    sharedMemorySize: opt(size),
    spread: opt(instance(cls('../instance-spread', 'InstanceSpread'), 'an InstanceSpread (InstanceSpread.nodesAndZones, of or none)')),
  }),
  PgBackRestTuningProps: (): Shape => ({
    compressType: opt(str),
    compressLevel: opt(num),
    processMax: opt(num),
    archiveAsync: opt(bool),
    archiveTimeout: opt(duration()),
    archivePushQueueMax: opt(size),
    repoBundle: opt(bool),
    blockIncremental: opt(bool),
    startFastManual: opt(bool),
    walCompression: opt(str),
  }),
  VolumeRepoProps: (): Shape => ({ ...REPO_OPTIONS, size: req(size), storageClassName: opt(str), accessMode: opt(str) }),
  S3RepoProps: (): Shape => ({
    ...REPO_OPTIONS,
    ...OBJECT_STORE,
    bucket: req(str),
    region: req(str),
    endpoint: opt(str),
    uriStyle: opt(str),
    credentials,
    kmsKeyId: opt(str),
    sseCustomerKey: opt(credentialSource),
    requesterPays: opt(bool),
  }),
  GcsRepoProps: (): Shape => ({ ...REPO_OPTIONS, ...OBJECT_STORE, bucket: req(str), endpoint: opt(str), credentials, userProject: opt(str) }),
  AzureRepoProps: (): Shape => ({ ...REPO_OPTIONS, ...OBJECT_STORE, container: req(str), endpoint: opt(str), uriStyle: opt(str), credentials }),
  BackupScheduleProps: (): Shape => ({ full: opt(str), differential: opt(str), incremental: opt(str), timeZone: opt(str), suspended: opt(bool) }),
  ScheduleTimeOptions: (): Shape => ({ hour: opt(int(0, 23)), minute: opt(int(0, 59)), timeZone: opt(str) }),
  RetentionOptions: (): Shape => RETENTION_OPTIONS,
  BackupRetentionProps: (): Shape => ({ ...RETENTION_OPTIONS, full: req(num), fullType: opt(str) }),
  S3AccessKeyProps: (): Shape => ({
    accessKeyId: req(credentialSource), secretAccessKey: req(credentialSource), sessionToken: opt(credentialSource),
  }),
  S3WebIdentityProps: (): Shape => ({ roleArn: req(str) }),
  S3InstanceRoleProps: (): Shape => ({ roleName: opt(str) }),
  GcsWorkloadIdentityProps: (): Shape => ({ googleServiceAccount: req(str) }),
  AzureKeyProps: (): Shape => ({ account: req(str), key: req(credentialSource) }),
  AzureManagedIdentityProps: (): Shape => ({ account: req(str), clientId: opt(str) }),
  RecoveryTargetOptions: (): Shape => ({ backupSet: opt(str), exclusive: opt(bool), timeline: opt(str) }),
  RestoreFromClusterOptions: (): Shape => ({ ...RESTORE_OPTIONS, repoName: opt(str) }),
  RestoreFromClusterNameProps: (): Shape => ({ ...RESTORE_OPTIONS, clusterName: req(str), clusterNamespace: opt(str), repoName: req(str) }),
  RestoreFromRepoOptions: (): Shape => ({ ...RESTORE_OPTIONS, stanza: opt(str) }),
  InPlaceRestoreProps: (): Shape => ({ ...RESTORE_OPTIONS, restoreId: req(str), repoName: req(str), confirmOverwrite: req(bool) }),
  StandbyHostProps: (): Shape => ({ host: req(str), port: opt(num), repoName: opt(str) }),
  BackupPlanReportsOptions: (): Shape => ({ directory: opt(str), enabled: opt(bool) }),
  ManualBackupProps: (): Shape => ({ repoName: req(str), backupType: opt(str), backupId: opt(str), options: opt(strings) }),
  BackupDeletionProps: (): Shape => ({ repoName: req(str), backupSet: opt(str), oldest: opt(bool), confirmDelete: req(bool), force: opt(bool) }),
  RestoreCheckProps: (): Shape => ({
    checkId: opt(str),
    repoName: req(str),
    target: opt(recoveryTarget),
    schedule: opt(str),
    query: opt(str),
    database: opt(str),
    volumeSize: opt(size),
  }),
  DatabaseUserProps: (): Shape => ({
    name: req(str),
    databases: opt(strings),
    createDatabases: opt(bool),
    createRoles: opt(bool),
    connectionLimit: opt(num),
    password: opt(instance(cls('../user-password', 'UserPassword'), 'a UserPassword (UserPassword.generated, fromSecret or fromExternalSecret)')),
  }),
  GeneratedPasswordProps: (): Shape => ({ alphanumeric: opt(bool), length: opt(num) }),
  CertManagerOptions: (): Shape => ({ issuerName: opt(str), issuerKind: opt(str) }),
  TlsSecretsProps: (): Shape => ({
    pgbackrestSecretName: req(str), postgresSecretName: req(str), replicationSecretName: req(str), pgbackrestCommonName: opt(str),
  }),
  StaggerOptions: (): Shape => ({
    expectedDurations: opt(object('ExpectedBackupDurations', () => DURATIONS)),
    pgbackrestVersion: opt(pgbackrestVersion),
    step: opt(duration('minutes')),
  }),
};

export { backupRepo, credentialSource, recoveryTarget, strings };
