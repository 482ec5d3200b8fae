/**
 * pgBackRest option names and the rules about where each may appear. One place, used by both targets. Names are
 * read the way pgBackRest reads them (src/config/parse.c), against its own option table (pgbackrest-option-table.ts,
 * generated from its config.yaml), so a spelling pgBackRest accepts is never missed and a typo is never accepted.
 */
import { COMMANDS, DEPRECATED, OPTIONS, PGBACKREST_OPTION_TABLE_VERSION } from './option-table';
import { ivyoShellWord } from '../operator/ivyo-shell';
import { editDistance, Problems } from '../validation';

function has<T>(map: { readonly [key: string]: T }, key: string): boolean {
  // Own keys only: names such as `constructor` or `__proto__` are not options.
  return Object.prototype.hasOwnProperty.call(map, key);
}

/**
 * Secure options that name where or who rather than hold a secret: pgBackRest refuses them on the command line like
 * credentials, but the library writes them itself (`repo-azure-endpoint` inherits `secure` from
 * `repo-azure-account` in pgBackRest's config.yaml).
 */
const SECURE_NOT_SECRET = ['repo-azure-account', 'repo-azure-endpoint'];

/** Options that hold a secret without being marked secure: `cipher-pass` is internal and command-line only. */
const UNMARKED_SECRETS = ['cipher-pass'];

/** Every secure option pgBackRest knows, canonical names (`repo-s3-key` for repo1-s3-key, repo2-s3-key, ...). */
export const SECURE_OPTIONS: readonly string[] = Object.keys(OPTIONS).filter(o => OPTIONS[o][1].includes('s'));

/** The options that hold a credential: never in a conf file the library writes, a manifest or a command. */
export const CREDENTIAL_OPTIONS: readonly string[] = [...SECURE_OPTIONS.filter(o => !SECURE_NOT_SECRET.includes(o)), ...UNMARKED_SECRETS];

const CREDENTIAL_ALLOWED = 'is a credential; give it through a CredentialSource (the repo\'s credentials or encryption): as an option its value would be written in plain text into the manifests';

/** The same, for a credential that has a prop of its own. */
function credentialAllowed(canonical: string): string {
  return repoOptionSuffix(canonical) === 's3-sse-customer-key'
    ? CREDENTIAL_ALLOWED.replace('the repo\'s credentials or encryption', 'sseCustomerKey of BackupRepo.s3')
    : CREDENTIAL_ALLOWED;
}

/** Strips the repo index: `repo2-s3-key` -> `s3-key`; other names unchanged. */
export function repoOptionSuffix(option: string): string {
  return option.replace(/^repo\d+-/, '');
}

/** The environment variable pgBackRest reads an option from: `repo1-s3-key` -> `PGBACKREST_REPO1_S3_KEY`. */
export function envVarName(option: string): string {
  return `PGBACKREST_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** An option name as pgBackRest reads it. */
export interface ResolvedOptionName {
  /** The option without its index, as in pgBackRest's table: `repo-s3-key`. */
  readonly option: string;
  /** The index of a repo or pg option: the one written, or 1 for the index-less name pgBackRest reads as the first's. */
  readonly index?: number;
  /** The name as pgBackRest documents it: `repo1-s3-key`. */
  readonly canonical: string;
  /** Written with `no-`. */
  readonly negate: boolean;
  /** Written with `reset-`. */
  readonly reset: boolean;
  /** Written as a deprecated name or without the index pgBackRest documents. */
  readonly alias: boolean;
  /** Written as an abbreviation, which pgBackRest expands on the command line. */
  readonly abbreviated: boolean;
  /** Why pgBackRest refuses the name, if it does. */
  readonly error?: string;
}

interface SplitName {
  readonly base: string;
  readonly index?: number;
  readonly negate: boolean;
  readonly reset: boolean;
}

/** Splits `no-`/`reset-` and the index off a name, as pgBackRest does: the digits just before the first dash. */
function splitName(written: string): SplitName | undefined {
  let name = written;
  let negate = false;
  let reset = false;
  if (name.startsWith('no-')) {
    negate = true;
    name = name.slice(3);
  } else if (name.startsWith('reset-')) {
    reset = true;
    name = name.slice(6);
  }
  const dash = name.indexOf('-');
  if (dash === 0) return undefined;
  if (dash < 0) return { base: name, negate, reset };
  let start = dash;
  while (start > 0 && name[start - 1] >= '0' && name[start - 1] <= '9') start--;
  if (start === 0) return undefined;
  if (start === dash) return { base: name, negate, reset };
  return { base: name.slice(0, start) + name.slice(dash), index: Number(name.slice(start, dash)), negate, reset };
}

/** The single name of `names` that starts with `prefix`, as pgBackRest's prefix match on the command line. */
function uniquePrefix(names: string[], prefix: string): string | undefined {
  const found = names.filter(n => n.startsWith(prefix));
  return found.length === 1 ? found[0] : undefined;
}

function groupPrefix(option: string): string | undefined {
  const flags = OPTIONS[option][1];
  return flags.includes('r') ? 'repo' : flags.includes('p') ? 'pg' : undefined;
}

/** `repo-path` with index 2 -> `repo2-path`; options without a group unchanged. */
function withIndex(option: string, index: number | undefined): string {
  const group = groupPrefix(option);
  return group ? `${group}${index ?? 1}${option.slice(group.length)}` : option;
}

/**
 * Reads an option name (without `--`) the way pgBackRest 2.58 does: `no-` and `reset-` prefixes, the index, the
 * index-less and deprecated names, and on the command line (`commandLine`) unique abbreviations. Undefined when
 * pgBackRest knows no such option.
 */
export function resolveOptionName(written: string, commandLine: boolean): ResolvedOptionName | undefined {
  const split = splitName(written);
  if (!split) return undefined;
  const { base, index, negate, reset } = split;
  let option = has(OPTIONS, base) ? base : undefined;
  let abbreviated = false;
  let deprecated: readonly [string, string] | undefined;
  if (!option && commandLine) {
    option = uniquePrefix(Object.keys(OPTIONS), base);
    abbreviated = option !== undefined;
  }
  if (!option) {
    let alias = has(DEPRECATED, base) ? base : undefined;
    if (!alias && commandLine) {
      alias = uniquePrefix(Object.keys(DEPRECATED), base);
      abbreviated = alias !== undefined;
    }
    if (!alias) return undefined;
    deprecated = DEPRECATED[alias];
    option = deprecated[0];
  }
  const [section, flags] = OPTIONS[option];
  const group = groupPrefix(option);
  let error: string | undefined;
  let alias = deprecated !== undefined;
  if (deprecated) {
    if (index !== undefined && !deprecated[1].includes('i')) error = 'pgBackRest refuses this deprecated name with an index';
    if (index === undefined && !deprecated[1].includes('u')) error = 'pgBackRest refuses this deprecated name without an index';
  } else if (index === undefined && group && has(DEPRECATED, option) && DEPRECATED[option][0] === option) {
    // pgBackRest reads a few index-less names (repo-path, repo-s3-key, ...) as the first repo's.
    alias = true;
  } else if (index !== undefined && !group) {
    error = 'pgBackRest refuses it with an index';
  } else if (index === undefined && group) {
    error = 'pgBackRest refuses it without an index';
  }
  if (index !== undefined && (index < 1 || index > 256)) error = 'pgBackRest takes indexes from 1 to 256';
  if (negate && !flags.includes('n')) error = 'pgBackRest cannot negate it (no-)';
  if (reset && section === 'c') error = 'pgBackRest cannot reset it (reset-)';
  const canonical = withIndex(option, group ? index ?? 1 : undefined);
  return { option, index: group ? index ?? 1 : undefined, canonical, negate, reset, alias, abbreviated, error };
}

/**
 * The credential option that `name` spells, in any spelling pgBackRest accepts (index-less, deprecated, abbreviated,
 * negated) and then some (upper case, `_` for `-`, leading dashes, a `PGBACKREST_` prefix, surrounding spaces), so
 * no near miss slips through; undefined for other names.
 */
export function credentialOption(name: string): string | undefined {
  if (typeof name !== 'string') return undefined;
  const normalised = name.trim().toLowerCase().replace(/_/g, '-').replace(/^-+/, '').replace(/^pgbackrest-/, '');
  const resolved = resolveOptionName(normalised, true);
  return resolved && CREDENTIAL_OPTIONS.includes(resolved.option) ? resolved.canonical : undefined;
}

/** True when `option` (in any spelling pgBackRest accepts) holds a credential value. */
export function isCredentialOption(option: string): boolean {
  return credentialOption(option) !== undefined;
}

/** What to say about a name pgBackRest does not know: the nearest documented option, if one is near. */
function unknownOption(written: string, dashes: string): string {
  const split = splitName(written);
  const base = split?.base ?? written;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of Object.keys(OPTIONS)) {
    if (OPTIONS[option][1].includes('i')) continue;
    const d = editDistance(base, option);
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  const near = best !== undefined && bestDistance <= Math.max(2, Math.floor(base.length / 4));
  const what = `is not a pgBackRest ${PGBACKREST_OPTION_TABLE_VERSION} option`;
  return near ? `${what}; did you mean ${dashes}${withIndex(best!, split?.index)}?` : `${what} (see pgBackRest's configuration reference)`;
}

/** Whether pgBackRest's `command` takes `option`. */
function takesCommand(option: string, command: string): boolean {
  const bit = COMMANDS.indexOf(command);
  return bit >= 0 && Math.floor(OPTIONS[option][2] / 2 ** bit) % 2 === 1;
}

function commandsOf(option: string): string[] {
  return COMMANDS.filter(c => takesCommand(option, c));
}

/** A repo of the cluster, as option checks need it. */
export interface OptionRepo {
  readonly index: number;
  /** The props field of the repo, e.g. `repos[0]`. */
  readonly field: string;
  /** Whether the repo has typed retention (then the retention options are the library's). */
  readonly retention: boolean;
}

const REPO_HOST = 'a volume repo is served by the cluster\'s repo host, which the library configures (repoHost)';
const PG = 'the library sets PostgreSQL\'s data directory, port and socket for every instance (instances, port, postgresVersion)';

/**
 * Options the library sets from typed props, by canonical name, with the prop to use: a user option would
 * silently override them (a path outside the checked one, another store, no TLS verification). `{repo}` is the
 * repo's field.
 */
const OWNED: { readonly [option: string]: string } = {
  'repo-path': '{repo}.path',
  'repo-type': 'the repo\'s factory (BackupRepo.volume, .s3, .gcs or .azure)',
  'repo-s3-bucket': '{repo} (BackupRepo.s3 bucket)',
  'repo-s3-endpoint': '{repo} (BackupRepo.s3 endpoint)',
  'repo-s3-region': '{repo} (BackupRepo.s3 region)',
  'repo-s3-uri-style': '{repo}.uriStyle',
  'repo-s3-key-type': '{repo}.credentials (RepoCredentials)',
  'repo-s3-role': '{repo}.credentials (RepoCredentials.s3InstanceRole roleName)',
  'repo-gcs-bucket': '{repo} (BackupRepo.gcs bucket)',
  'repo-gcs-endpoint': '{repo} (BackupRepo.gcs endpoint)',
  'repo-gcs-key-type': '{repo}.credentials (RepoCredentials)',
  'repo-azure-container': '{repo} (BackupRepo.azure container)',
  'repo-azure-endpoint': '{repo} (BackupRepo.azure endpoint)',
  'repo-azure-uri-style': '{repo}.uriStyle',
  'repo-azure-account': '{repo}.credentials (the Azure account)',
  'repo-azure-key-type': '{repo}.credentials (RepoCredentials)',
  'repo-storage-verify-tls': '{repo}.verifyTls',
  'repo-storage-port': '{repo}.port',
  'repo-storage-host': '{repo}.storageHost',
  'repo-storage-ca-file': '{repo}.caCertificate',
  'repo-storage-ca-path': '{repo}.caCertificate',
  'repo-storage-tag': '{repo}.storageTags',
  'repo-s3-kms-key-id': '{repo}.kmsKeyId',
  'repo-s3-requester-pays': '{repo}.requesterPays',
  'repo-gcs-user-project': '{repo}.userProject',
  'repo-cipher-type': '{repo}.encryption (RepoEncryption)',
  'repo-host': REPO_HOST,
  'repo-host-type': REPO_HOST,
  'repo-host-ca-file': REPO_HOST,
  'repo-host-ca-path': REPO_HOST,
  'repo-host-cert-file': REPO_HOST,
  'repo-host-key-file': REPO_HOST,
  'repo-host-cmd': REPO_HOST,
  'repo-host-config': REPO_HOST,
  'repo-host-config-include-path': REPO_HOST,
  'repo-host-config-path': REPO_HOST,
  'repo-host-port': REPO_HOST,
  'repo-host-user': REPO_HOST,
  'pg-version-force': 'postgresVersion',
  'backup-standby': 'backupJobs.source (BackupSource)',
  'tls-server-address': 'the TLS certificates (standalone.tls); the library configures pgBackRest\'s TLS server',
  'tls-server-auth': 'the TLS certificates (standalone.tls); the library configures pgBackRest\'s TLS server',
  'tls-server-ca-file': 'the TLS certificates (standalone.tls); the library configures pgBackRest\'s TLS server',
  'tls-server-cert-file': 'the TLS certificates (standalone.tls); the library configures pgBackRest\'s TLS server',
  'tls-server-key-file': 'the TLS certificates (standalone.tls); the library configures pgBackRest\'s TLS server',
  'tls-server-port': 'the TLS certificates (standalone.tls); the library configures pgBackRest\'s TLS server',
  'log-path': 'the library (each pod logs to a writable volume of its own; the root filesystem is read-only)',
  'spool-path': 'tuning.archiveAsync (the spool goes on the data volume; the root filesystem is read-only)',
  'config': 'the library (each pod reads the conf files it mounts)',
  'config-path': 'the library (each pod reads the conf files it mounts)',
  'config-include-path': 'the library (each pod reads the conf files it mounts)',
  'cmd': 'the image (pgbackrestImage): the library runs the pgbackrest on its PATH, never another program',
  'cmd-ssh': 'the image (pgbackrestImage): pgBackRest talks TLS between pods, never ssh',
};

/** The retention options, the library's when the repo has typed retention. */
const RETENTION = ['repo-retention-full', 'repo-retention-full-type', 'repo-retention-diff', 'repo-retention-archive',
  'repo-retention-archive-type', 'repo-retention-history'];

/** The prop that owns `resolved`, or undefined when a user may set it. */
function ownedBy(resolved: ResolvedOptionName, repos: readonly OptionRepo[] | undefined): string | undefined {
  const repo = repos?.find(r => r.index === resolved.index);
  const repoField = repo?.field ?? 'the repo';
  if (has(OWNED, resolved.option)) return OWNED[resolved.option].replace('{repo}', repoField);
  if (groupPrefix(resolved.option) === 'pg') return PG;
  if (repo?.retention && RETENTION.includes(resolved.option)) return `${repoField}.retention (BackupRetention)`;
  return undefined;
}

/** The common checks of a name written in a conf file (`dashes` '') or on a command line (`dashes` '--'). */
function checkName(problems: Problems, f: string, written: string, shown: string, dashes: string,
  repos: readonly OptionRepo[] | undefined): ResolvedOptionName | undefined {
  const resolved = resolveOptionName(written, dashes !== '');
  if (!resolved) {
    problems.add(f, shown, unknownOption(written, dashes));
    return undefined;
  }
  const canonical = `${dashes}${resolved.negate ? 'no-' : resolved.reset ? 'reset-' : ''}${resolved.canonical}`;
  if (resolved.error) {
    problems.add(f, shown, `${resolved.error}; write ${dashes}${withIndex(resolved.option, resolved.index)}`);
  } else if (resolved.abbreviated) {
    problems.add(f, shown, `is an abbreviation pgBackRest reads as ${canonical}; write the full name`);
  } else if (resolved.alias) {
    problems.add(f, shown, `is a deprecated or index-less name pgBackRest reads as ${canonical}; write ${canonical}`);
  } else if (OPTIONS[resolved.option][1].includes('i')) {
    problems.add(f, shown, 'is internal to pgBackRest (undocumented); it is not for users');
  } else {
    const owner = ownedBy(resolved, repos);
    if (owner !== undefined) {
      problems.add(f, shown, `is set by the library from ${owner}; use that instead (an option would override it)`);
    } else {
      return resolved;
    }
  }
  return undefined;
}

/**
 * Checks a map of pgBackRest options meant for a conf file's `[global]` section: names must be pgBackRest options
 * that a conf file takes, written as pgBackRest documents them, none the library sets from a typed prop and no
 * credential; values single-line strings. `repos` are the cluster's repos: options of other repos are refused (when
 * the repos themselves were refused, that is not repeated).
 */
export function checkGlobalOptions(problems: Problems, field: string, options: { [key: string]: string } | undefined,
  repos?: readonly OptionRepo[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    problems.add(field, options, 'must be a map of pgBackRest option names to string values');
    return;
  }
  for (const [key, value] of Object.entries(options)) {
    const f = `${field}[${JSON.stringify(key)}]`;
    // First, whatever else is wrong with the name: its value must not be written anywhere.
    const credential = credentialOption(key);
    if (credential !== undefined) {
      problems.add(f, key, credentialAllowed(credential));
      continue;
    }
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(key)) {
      problems.add(f, key, 'must be a pgBackRest option name such as repo1-retention-full or compress-type');
      continue;
    }
    const resolved = checkName(problems, f, key, key, '', repos);
    if (!resolved) continue;
    const [section] = OPTIONS[resolved.option];
    if (resolved.negate || resolved.reset) {
      problems.add(f, key, `pgBackRest ignores ${resolved.negate ? 'no-' : 'reset-'} options in a conf file; write ${resolved.canonical} = n or leave it out`);
    } else if (section === 'c') {
      problems.add(f, key, 'is a command-line option; pgBackRest ignores it in a conf file');
    } else if (section === 's') {
      problems.add(f, key, 'is a stanza option; pgBackRest ignores it in [global]');
    } else if (resolved.index !== undefined && groupPrefix(resolved.option) === 'repo' && repos !== undefined && repos.length > 0
      && !repos.some(r => r.index === resolved.index)) {
      const names = repos.map(r => `repo${r.index}`).join(', ');
      problems.add(f, key, `the cluster has no repo${resolved.index} (its repos: ${names}); an option of another repo makes pgBackRest use a repo the cluster does not declare`);
    } else if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      problems.add(f, value, 'must be a single-line string');
    }
  }
}

/**
 * Checks extra arguments for pgBackRest's `command` (`restore`, `backup`): each `--name` or `--name=value` of an
 * option that command takes, written as pgBackRest documents it, not a credential or secure option (pgBackRest
 * refuses those on the command line, and they would show in the manifests and `ps`), none of `refused` (canonical
 * names, with why) or the library's own, and nothing IVYO's shell would interpret.
 */
export function checkPgBackRestArguments(problems: Problems, field: string, args: string[] | undefined, command: string,
  refused: { [option: string]: string }): void {
  if (args === undefined) return;
  if (!Array.isArray(args)) {
    problems.add(field, args, 'must be a list of pgBackRest options such as "--process-max=4"');
    return;
  }
  for (let i = 0; i < args.length; i++) {
    const f = `${field}[${i}]`;
    const arg = args[i];
    if (typeof arg !== 'string') {
      problems.add(f, arg, 'must be a pgBackRest option: --name or --name=value');
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    // Named, never shown with its value.
    const credential = credentialOption(name);
    if (credential !== undefined) {
      problems.add(f, name, credentialAllowed(credential));
      continue;
    }
    if (!/^--[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
      problems.add(f, arg, 'must be a pgBackRest option: --name or --name=value');
      continue;
    }
    const resolved = resolveOptionName(name.slice(2), true);
    if (resolved && has(refused, resolved.option)) {
      problems.add(f, arg, `${name} is not allowed here: ${refused[resolved.option]}`);
      continue;
    }
    if (!checkName(problems, f, name.slice(2), arg, '--', undefined) || !resolved) continue;
    if (SECURE_OPTIONS.includes(resolved.option)) {
      problems.add(f, arg, `${name} is a secure option: pgBackRest refuses it on the command line`);
    } else if (!takesCommand(resolved.option, command)) {
      const takers = commandsOf(resolved.option);
      problems.add(f, arg, `is not an option of pgbackrest ${command}${takers.length ? ` (${takers.join(', ')} take it)` : ''}`);
    } else {
      ivyoShellWord(problems, f, arg);
    }
  }
}
