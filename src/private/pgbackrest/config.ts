/**
 * The pgBackRest configuration of a cluster, by role. Both targets take their options from here: the operator
 * target passes the ones IVYO does not generate through `global`, the standalone target writes whole conf files.
 */
import { IniSections, mergeOptions, OptionMap } from './ini';
import { INSTANCE_LOG_DIR, JOB_LOG_DIR, REPO_NAMES, repoHostLogDir, SPOOL_DIR, STANZA } from './layout';
import { BackupSource } from '../../backup-source';
import { CredentialSource, CredentialSourceKind } from '../../credential-source';
import { RepoStorage } from '../../repo-credentials';
import { ClusterModel, instancePods, pgDataDir, ResolvedRepo, volumeRepos } from '../model/cluster-model';
import { SUPERUSER } from '../model/naming';

/** Where pgBackRest looks for conf files by default (`config-include-path`). */
export const CONF_DIR = '/etc/pgbackrest/conf.d';
/** The pgBackRest TLS certificate Secret's mount (standalone). */
export const TLS_DIR = '/etc/pgbackrest/tls';
/** Config of a restore source, kept apart so its repo is never archived to. */
export const RESTORE_CONF_DIR = '/etc/pgbackrest/restore';
/** In it, the source's conf file, and its projected files in an include dir of their own (names in the volume). */
export const RESTORE_CONF_FILE = 'pgbackrest.conf';
export const RESTORE_INCLUDE_DIR = 'conf.d';
/** The same, as pgBackRest is pointed at them (`--config`, `--config-include-path`) and the source's options name them. */
export const RESTORE_CONF_PATH = `${RESTORE_CONF_DIR}/${RESTORE_CONF_FILE}`;
export const RESTORE_INCLUDE_PATH = `${RESTORE_CONF_DIR}/${RESTORE_INCLUDE_DIR}`;
/**
 * The repo index an object-store restore source gets in its own config: above the cluster's own (repo1..repo4), its
 * credentials (environment variables name the index) never clash with theirs.
 */
export const RESTORE_SOURCE_INDEX = REPO_NAMES.length + 1;
/** The source cluster's pgBackRest TLS Secret, for a clone from its volume repo (through its repo host). */
export const RESTORE_TLS_DIR = '/etc/pgbackrest/restore-tls';
/** pgBackRest TLS server port. */
export const TLS_SERVER_PORT = 8432;
/** PostgreSQL's Unix socket directory. */
export const SOCKET_DIR = '/tmp/postgres';

/** Who reads a conf file. */
export enum ConfigRole {
  /** Instance pods: archive-push, archive-get, restore, and the TLS server backups read PGDATA through. */
  INSTANCE = 'instance',
  /** The repo host: serves volume repos over TLS. */
  REPO_HOST = 'repo-host',
  /** Backup, stanza-create and expire Jobs: repos local (mounted or object store), PostgreSQL over TLS. */
  JOB = 'job',
}

/** The file a secure value or CA is projected to, inside CONF_DIR (or the restore dir). */
export function projectedFileName(option: string): string {
  return option.endsWith('-gcs-key') ? `${option}.json` : `${option}.crt`;
}

/** Options IVYO writes itself from the CRD fields; the operator target must not repeat them in `global`. */
export const OPERATOR_GENERATED = ['type', 's3-bucket', 's3-endpoint', 's3-region', 'gcs-bucket', 'azure-container'];

/** Where a repo's options point when it is read from a config other than its own cluster's. */
export interface RepoPlacement {
  /** The repo index in that config. @default - the repo's own */
  readonly index?: number;
  /** Where projected files (CA bundles, key files) are. @default CONF_DIR */
  readonly confDir?: string;
  /** Where the TLS client certificate for a repo host is. @default TLS_DIR */
  readonly tlsDir?: string;
  /**
   * The repo is only read there (a restore source): options that only shape what is written (storage tags) are
   * left out. @default false
   */
  readonly readOnly?: boolean;
}

/**
 * The options of one repo, without credential values. `model` is the cluster that owns the repo (its repo host
 * serves volume repos).
 */
export function repoOptions(model: ClusterModel, r: ResolvedRepo, role: ConfigRole, placement: RepoPlacement = {}): OptionMap {
  const index = placement.index ?? r.index;
  const confDir = placement.confDir ?? CONF_DIR;
  const tlsDir = placement.tlsDir ?? TLS_DIR;
  const n = `repo${index}`;
  const s = r.repo._storage;
  const o: { [option: string]: string | string[] } = { [`${n}-path`]: r.path };
  switch (s.storage) {
    case RepoStorage.VOLUME:
      if (role === ConfigRole.INSTANCE) {
        // Instances reach volume repos through the repo host's TLS server.
        o[`${n}-host`] = model.names.podFqdn(`${model.names.repoHost}-0`);
        o[`${n}-host-type`] = 'tls';
        o[`${n}-host-ca-file`] = `${tlsDir}/ca.crt`;
        o[`${n}-host-cert-file`] = `${tlsDir}/tls.crt`;
        o[`${n}-host-key-file`] = `${tlsDir}/tls.key`;
      }
      break;
    case RepoStorage.S3:
      o[`${n}-type`] = 's3';
      o[`${n}-s3-bucket`] = s.bucket as string;
      o[`${n}-s3-endpoint`] = s.endpoint as string;
      o[`${n}-s3-region`] = s.region as string;
      if (s.uriStyle) o[`${n}-s3-uri-style`] = s.uriStyle;
      break;
    case RepoStorage.GCS:
      o[`${n}-type`] = 'gcs';
      o[`${n}-gcs-bucket`] = s.bucket as string;
      if (s.endpoint) o[`${n}-gcs-endpoint`] = s.endpoint;
      break;
    case RepoStorage.AZURE:
      o[`${n}-type`] = 'azure';
      o[`${n}-azure-container`] = s.container as string;
      if (s.endpoint) o[`${n}-azure-endpoint`] = s.endpoint;
      if (s.uriStyle) o[`${n}-azure-uri-style`] = s.uriStyle;
      break;
  }
  if (s.storage !== RepoStorage.VOLUME) {
    const c = s.connection;
    if (c.verifyTls === false) o[`${n}-storage-verify-tls`] = 'n';
    if (c.port !== undefined) o[`${n}-storage-port`] = String(c.port);
    if (c.storageHost !== undefined) o[`${n}-storage-host`] = c.storageHost;
    if (c.caCertificate) o[`${n}-storage-ca-file`] = `${confDir}/${projectedFileName(`${n}-ca`)}`;
    for (const [option, value] of Object.entries(s.credentials?._spec.options ?? {})) o[`${n}-${option}`] = value;
    for (const secure of s.credentials?._spec.secureOptions ?? []) {
      // Key files are referenced by path; the value never appears.
      if (secure.asFile && secure.source.kind !== CredentialSourceKind.CONF_FILE) {
        o[`${n}-${secure.option}`] = `${confDir}/${projectedFileName(`${n}-${secure.option}`)}`;
      }
    }
    // Reads need these too: the KMS key is only sent with writes, requester pays and the billed project with every
    // request. The SSE-C key is secure (secureSources).
    if (s.kmsKeyId !== undefined) o[`${n}-s3-kms-key-id`] = s.kmsKeyId;
    if (s.requesterPays === true) o[`${n}-s3-requester-pays`] = 'y';
    if (s.userProject !== undefined) o[`${n}-gcs-user-project`] = s.userProject;
    // A hash option: one `repoN-storage-tag=key=value` line per tag, sorted.
    const tags = Object.entries(s.storageTags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (tags.length > 0 && !placement.readOnly) o[`${n}-storage-tag`] = tags.map(([key, value]) => `${key}=${value}`);
  }
  if (r.repo.retention) {
    for (const [option, value] of Object.entries(r.repo.retention.toOptions(index))) o[option] = value;
  }
  if (r.repo.encryption) o[`${n}-cipher-type`] = r.repo.encryption.cipherType;
  for (const [option, value] of Object.entries(model.tuning.perRepo)) o[`${n}-${option}`] = value;
  return o;
}

/**
 * Which instance backups read (backupJobs.source), for every config a backup runs with. The first backup, which
 * replicas are created from, overrides it on its command line (FIRST_BACKUP_SOURCE).
 */
export function backupSourceOptions(model: ClusterModel): { [option: string]: string } {
  switch (model.backupSource) {
    case BackupSource.STANDBY: return { 'backup-standby': 'y' };
    case BackupSource.PREFER_STANDBY: return { 'backup-standby': 'prefer' };
    default: return {};
  }
}

/**
 * The first backup reads the primary: replicas are created from it, so no standby runs yet. (The negated form is
 * the one every pgBackRest version takes: before 2.54 the option was a boolean.)
 */
export const FIRST_BACKUP_SOURCE = '--no-backup-standby';

/** The stanza section an instance uses for its own PostgreSQL. */
function localStanza(model: ClusterModel): { [option: string]: string } {
  return {
    'pg1-path': pgDataDir(model),
    'pg1-port': String(model.port),
    'pg1-socket-path': SOCKET_DIR,
    'pg1-user': SUPERUSER,
    'pg-version-force': String(model.postgresVersion),
  };
}

/** The conf file of each standalone role, as sections. */
export function roleConfig(model: ClusterModel, role: ConfigRole): IniSections {
  const repos = role === ConfigRole.REPO_HOST ? volumeRepos(model.repos) : model.repos;
  const global = mergeOptions(
    model.tuning.global,
    ...repos.map(r => repoOptions(model, r, role)),
    roleGlobal(model, role),
    model.userGlobal,
  );
  const sections: IniSections = { global };
  switch (role) {
    case ConfigRole.INSTANCE:
      sections[STANZA] = localStanza(model);
      // Restores run in the bootstrap container: its log is where users look.
      sections['global:restore'] = { 'log-level-console': 'info' };
      break;
    case ConfigRole.JOB:
      sections[STANZA] = jobStanza(model);
      break;
    case ConfigRole.REPO_HOST:
      break;
  }
  return sections;
}

function roleGlobal(model: ClusterModel, role: ConfigRole): { [option: string]: string } {
  switch (role) {
    case ConfigRole.INSTANCE:
      return {
        'log-path': INSTANCE_LOG_DIR,
        ...(model.tuning.archiveAsync ? { 'spool-path': SPOOL_DIR } : {}),
      };
    case ConfigRole.REPO_HOST: {
      const first = volumeRepos(model.repos)[0];
      return { 'log-path': first ? repoHostLogDir(first.name) : JOB_LOG_DIR };
    }
    case ConfigRole.JOB:
      // Jobs are short-lived: the console (the Job's log) is their log.
      return { 'log-path': JOB_LOG_DIR, 'log-level-file': 'off', 'log-level-console': 'info', ...backupSourceOptions(model) };
    default:
      return {};
  }
}

/** Backup Jobs reach every instance's PGDATA through its pgBackRest TLS server; pgBackRest finds the primary. */
function jobStanza(model: ClusterModel): { [option: string]: string } {
  const o: { [option: string]: string } = { 'pg-version-force': String(model.postgresVersion) };
  instancePods(model).forEach((pod, i) => {
    const p = `pg${i + 1}`;
    o[`${p}-host`] = model.names.podFqdn(pod);
    o[`${p}-host-type`] = 'tls';
    o[`${p}-host-ca-file`] = `${TLS_DIR}/ca.crt`;
    o[`${p}-host-cert-file`] = `${TLS_DIR}/tls.crt`;
    o[`${p}-host-key-file`] = `${TLS_DIR}/tls.key`;
    o[`${p}-path`] = pgDataDir(model);
    o[`${p}-port`] = String(model.port);
    o[`${p}-socket-path`] = SOCKET_DIR;
    o[`${p}-user`] = SUPERUSER;
  });
  return o;
}

/** The TLS server's own file, read by `pgbackrest server` on instances and the repo host. */
export function serverConfig(commonName: string): IniSections {
  return {
    'global': {
      'tls-server-address': '0.0.0.0',
      'tls-server-port': String(TLS_SERVER_PORT),
      'tls-server-auth': `${commonName}=${STANZA}`,
      'tls-server-ca-file': `${TLS_DIR}/ca.crt`,
      'tls-server-cert-file': `${TLS_DIR}/tls.crt`,
      'tls-server-key-file': `${TLS_DIR}/tls.key`,
    },
    'global:server': {
      'log-level-console': 'detail',
      'log-level-file': 'off',
      'log-level-stderr': 'error',
      'log-timestamp': 'n',
    },
  };
}

/** A secure value the pods need, with the option it sets. */
export interface SecureBinding {
  readonly option: string;
  readonly source: CredentialSource;
  readonly asFile: boolean;
}

/** A secure value of a repo, with the props field it came from. */
export interface RepoSecret extends SecureBinding {
  readonly field: string;
}

/** Every secure value the given repos need, at their own indexes or at `index` (restore source). */
export function secureBindings(repos: ResolvedRepo[], index?: number): SecureBinding[] {
  return repos.flatMap(r => secureSources(r).map(s => ({
    option: index === undefined ? s.option : s.option.replace(/^repo\d+-/, `repo${index}-`),
    source: s.source,
    asFile: s.asFile,
  })));
}

/** Conf-file Secrets to project into conf.d, deduplicated: `RepoCredentials.fromConfSecret` and CONF_FILE sources. */
export function confFileSecrets(repos: ResolvedRepo[]): { name: string; key: string; path: string }[] {
  const out = new Map<string, { name: string; key: string; path: string }>();
  for (const r of repos) {
    const cs = r.repo._storage.credentials?._spec.confSecret;
    if (cs) out.set(`${cs.name}/${cs.key}`, { name: cs.name, key: cs.key, path: `${cs.name}-${cs.key}` });
    for (const s of secureSources(r)) {
      if (s.source.kind === CredentialSourceKind.CONF_FILE) {
        const key = `${s.source.secretName}/${s.source.key}`;
        out.set(key, { name: s.source.secretName as string, key: s.source.key, path: `${s.source.secretName}-${s.source.key}` });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** One projected volume source of conf.d: a Secret or ConfigMap, all of its keys or the listed ones. */
export interface ConfDirSource {
  readonly kind: 'secret' | 'configMap';
  readonly name: string;
  readonly items?: { key: string; path: string }[];
}

/**
 * What the cluster projects into conf.d beside its own conf files: conf-file Secrets, CA bundles, key files
 * and the ExternalSecret's Secret. `index` renumbers a restore source's files.
 */
export function confDirSources(repos: ResolvedRepo[], externalSecretName: string | undefined, index?: number): ConfDirSource[] {
  const sources: ConfDirSource[] = confFileSecrets(repos).map(c => ({ kind: 'secret' as const, name: c.name, items: [{ key: c.key, path: c.path }] }));
  for (const r of repos) {
    const n = `repo${index ?? r.index}`;
    const ca = r.repo._storage.connection.caCertificate;
    if (ca) {
      sources.push({ kind: ca.objectKind === 'secret' ? 'secret' : 'configMap', name: ca.objectName, items: [{ key: ca.key, path: projectedFileName(`${n}-ca`) }] });
    }
  }
  for (const b of secureBindings(repos, index)) {
    if (b.asFile && b.source.kind === CredentialSourceKind.SECRET) {
      sources.push({ kind: 'secret', name: b.source.secretName as string, items: [{ key: b.source.key, path: projectedFileName(b.option) }] });
    }
  }
  if (externalSecretName) sources.push({ kind: 'secret', name: externalSecretName });
  return sources;
}

/** The secure values a repo reads, with the field they came from. */
export function secureSources(r: ResolvedRepo): RepoSecret[] {
  const out: RepoSecret[] = [];
  for (const s of r.repo._storage.credentials?._spec.secureOptions ?? []) {
    const field = `credentials.${s.option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`;
    out.push({ field, option: `repo${r.index}-${s.option}`, source: s.source, asFile: s.asFile });
  }
  const sseCustomerKey = r.repo._storage.sseCustomerKey;
  if (sseCustomerKey instanceof CredentialSource) {
    out.push({ field: 'sseCustomerKey', option: `repo${r.index}-s3-sse-customer-key`, source: sseCustomerKey, asFile: false });
  }
  // A passphrase refused for its type was reported; there is nothing to render for it.
  if (r.repo.encryption?.passphrase !== undefined) {
    out.push({ field: 'encryption.passphrase', option: `repo${r.index}-cipher-pass`, source: r.repo.encryption.passphrase, asFile: false });
  }
  return out;
}
