/**
 * pgBackRest option names and the rules about where each may appear. One place, used by both targets.
 */
import { Problems } from './validation';

/**
 * Options pgBackRest treats as secure: refused on the command line ("option ... is not allowed on the
 * command-line"), accepted from a conf file or a `PGBACKREST_*` environment variable. Without the repo index.
 */
export const SECURE_REPO_OPTIONS = [
  'cipher-pass', 's3-key', 's3-key-secret', 's3-token', 's3-sse-customer-key', 'azure-account', 'azure-key',
  'gcs-key', 'sftp-private-key-passphrase',
];

/** Secure options that hold credentials: never in `global`, a ConfigMap or a manifest. */
const CREDENTIAL_REPO_OPTIONS = SECURE_REPO_OPTIONS.filter(o => o !== 'azure-account');

/** Options valid only on the command line: pgBackRest warns and ignores them in a conf file. */
const COMMAND_LINE_ONLY = ['repo', 'type', 'target', 'set', 'target-action', 'target-exclusive', 'stanza', 'config', 'online'];

/** Strips the repo index: `repo2-s3-key` -> `s3-key`; other names unchanged. */
export function repoOptionSuffix(option: string): string {
  return option.replace(/^repo\d+-/, '');
}

/** The environment variable pgBackRest reads an option from: `repo1-s3-key` -> `PGBACKREST_REPO1_S3_KEY`. */
export function envVarName(option: string): string {
  return `PGBACKREST_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** True when `option` (with or without a repo index) holds a credential value. */
export function isCredentialOption(option: string): boolean {
  return CREDENTIAL_REPO_OPTIONS.includes(repoOptionSuffix(option));
}

/**
 * Checks a map of pgBackRest options meant for a conf file's `[global]` section: names must be option names,
 * values single-line strings, and no credential may be written there.
 */
export function checkGlobalOptions(problems: Problems, field: string, options: { [key: string]: string } | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    problems.add(field, options, 'must be a map of pgBackRest option names to string values');
    return;
  }
  for (const [key, value] of Object.entries(options)) {
    const f = `${field}[${JSON.stringify(key)}]`;
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(key)) {
      problems.add(f, key, 'must be a pgBackRest option name such as repo1-retention-full or compress-type');
      continue;
    }
    if (isCredentialOption(key)) {
      problems.add(f, key, 'is a credential and must not be written in global (it would be stored in plain text in the manifests); use the repo\'s credentials or encryption with a CredentialSource');
      continue;
    }
    if (COMMAND_LINE_ONLY.includes(key)) {
      problems.add(f, key, 'is a command-line option; pgBackRest ignores it in a conf file');
      continue;
    }
    if (typeof value !== 'string' || /[\r\n]/.test(value)) {
      problems.add(f, value, 'must be a single-line string');
    }
  }
}

/**
 * Checks extra arguments for a pgBackRest command: each `--name` or `--name=value`, none of the refused ones
 * and no secure option (pgBackRest refuses those on the command line, and they would show in `ps`).
 */
export function checkPgBackRestArguments(problems: Problems, field: string, args: string[] | undefined, refused: { [option: string]: string }): void {
  if (args === undefined) return;
  if (!Array.isArray(args)) {
    problems.add(field, args, 'must be a list of pgBackRest options such as "--process-max=4"');
    return;
  }
  args.forEach((arg, i) => {
    const f = `${field}[${i}]`;
    const m = typeof arg === 'string' ? /^(--[a-z0-9]+(?:-[a-z0-9]+)*)(=.*)?$/s.exec(arg) : null;
    if (!m) {
      problems.add(f, arg, 'must be a pgBackRest option: --name or --name=value');
      return;
    }
    const name = m[1];
    if (/[\r\n]/.test(arg)) {
      problems.add(f, arg, 'must be a single line');
    } else if (refused[name] !== undefined) {
      problems.add(f, arg, `${name} is not allowed here: ${refused[name]}`);
    } else if (SECURE_REPO_OPTIONS.includes(repoOptionSuffix(name.slice(2)))) {
      problems.add(f, arg, `${name} is a secure option: pgBackRest refuses it on the command line; use a CredentialSource`);
    }
  });
}
