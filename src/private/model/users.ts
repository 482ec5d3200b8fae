/**
 * Database users (`DatabaseUserProps`), checked as they are added and resolved for both targets: the role options
 * IVYO's `spec.users[].options` takes and the standalone set-up runs, and the connection details of the
 * `<cluster>-pguser-<user>` Secret, in IVYO's layout. One place for both targets.
 */
import type { ClusterSettings } from './settings';
import type { DatabaseUserProps } from '../../database-user';
import { DeploymentTarget } from '../../deployment-target';
import { UserPassword, UserPasswordKind } from '../../user-password';
import { checkInput } from '../input';
import { MONITORING_USER, REPLICATION_USER } from '../postgres/config';
import { Problems } from '../validation';
import { SUPERUSER } from './naming';

/** A user with its defaults applied. */
export interface ResolvedUser {
  readonly name: string;
  readonly databases: string[];
  readonly createDatabases: boolean;
  readonly createRoles: boolean;
  readonly connectionLimit: number;
  readonly password: UserPassword;
  /** The field it came from, for messages (`users[1]`, `addUser("app")`). */
  readonly field: string;
}

/** IVYO's rule for `spec.users[].name`: it names a Secret and a label value. */
const USER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/**
 * Roles the cluster has of its own, or that PostgreSQL reserves (`public`, `none` are refused by CREATE ROLE) or
 * that would be mistaken for a superuser (`postgres`).
 */
export const RESERVED_ROLES = [SUPERUSER, REPLICATION_USER, MONITORING_USER, 'postgres', 'public', 'none'];
/**
 * Database names the library takes: a letter or `_` first, then lowercase letters, digits, `_` or `-` (so they need
 * no escaping in a URI path or a connection string), at most 63 bytes (PostgreSQL's NAMEDATALEN - 1).
 */
const DATABASE_NAME = /^[a-z_][-a-z0-9_]{0,62}$/;
/** Databases the cluster's tools use, or templates: no user may own them. */
const RESERVED_DATABASES = ['postgres', 'template0', 'template1'];

/** Checks `props` on their own and against the users added before; returns the user, or undefined when refused. */
export function resolveUser(problems: Problems, field: string, props: DatabaseUserProps, settings: ClusterSettings,
  before: readonly ResolvedUser[]): ResolvedUser | undefined {
  const input = new Problems();
  props = checkInput(input, 'DatabaseUserProps', props);
  problems.mergeAt(field, input);
  const count = problems.messages.length;
  const at = (f: string) => `${field}.${f}`;
  const name = props.name;
  if (typeof name === 'string') {
    if (!USER_NAME.test(name) || name.length > 63) {
      problems.add(at('name'), name, 'must be a role name IVYO takes: lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters (it names the Secret <cluster>-pguser-<name>)');
    } else if (RESERVED_ROLES.includes(name)) {
      problems.add(at('name'), name, `is a role of the cluster's own or one PostgreSQL reserves (${RESERVED_ROLES.join(', ')}); give the application a role of its own`);
    } else if (before.some(u => u.name === name)) {
      problems.add(at('name'), name, `is already a user of this cluster (${before.find(u => u.name === name)?.field}); each user is declared once, with all its databases`);
    }
  }
  const databases = props.databases ?? [];
  const seen = new Set<string>();
  databases.forEach((db, i) => {
    if (typeof db !== 'string') return;
    if (!DATABASE_NAME.test(db)) {
      problems.add(at(`databases[${i}]`), db, 'must be a database name: a lowercase letter or \'_\' first, then lowercase letters, digits, \'_\' or \'-\', at most 63 characters');
    } else if (RESERVED_DATABASES.includes(db)) {
      problems.add(at(`databases[${i}]`), db, `is a database of the cluster's own (${RESERVED_DATABASES.join(', ')}); give the application a database of its own`);
    } else if (seen.has(db)) {
      problems.add(at(`databases[${i}]`), db, 'is listed twice');
    }
    seen.add(db);
  });
  const limit = props.connectionLimit ?? -1;
  if (typeof limit === 'number' && !(Number.isInteger(limit) && limit >= -1 && limit <= 100_000)) {
    problems.add(at('connectionLimit'), limit, 'must be a whole number from -1 (no limit) to 100000');
  }
  const password = props.password ?? UserPassword.generated();
  if (password instanceof UserPassword) {
    password._validate(problems, at('password'));
    checkPasswordForTarget(problems, at('password'), password, settings);
  }
  if (problems.messages.length > count || typeof name !== 'string') return undefined;
  return {
    name,
    databases: [...databases],
    createDatabases: props.createDatabases ?? false,
    createRoles: props.createRoles ?? false,
    connectionLimit: limit,
    password,
    field,
  };
}

function checkPasswordForTarget(problems: Problems, field: string, password: UserPassword, settings: ClusterSettings): void {
  if (settings.target === DeploymentTarget.OPERATOR) {
    if (password.kind !== UserPasswordKind.GENERATED) {
      problems.add(field, `UserPassword.${password.kind === UserPasswordKind.SECRET ? 'fromSecret' : 'fromExternalSecret'}(...)`,
        'the operator target takes UserPassword.generated() only: IVYO generates each user\'s password and keeps it in <cluster>-pguser-<user>, and its spec.users has no field for a password source (to set one yourself, write password into that Secret and empty its verifier: IVYO then uses it)');
    } else if (password.length !== undefined) {
      problems.add(`${field}.length`, password.length, 'IVYO always generates 24 characters (spec.users[].password has a type only); leave length out with the operator target');
    }
  } else if (password.kind === UserPasswordKind.EXTERNAL && settings.externalSecretStore === undefined) {
    problems.add(field, 'UserPassword.fromExternalSecret(...)', 'needs the cluster\'s externalSecretStore: the store the password is read from');
  }
}

/**
 * The role's options, every one written out so that turning one off in code turns it off in the database; IVYO's
 * `options` (ALTER ROLE ... WITH <options> PASSWORD ...) and the standalone set-up's ALTER ROLE take the same text.
 */
export function roleOptions(user: ResolvedUser): string {
  return [
    'LOGIN', 'NOSUPERUSER', user.createDatabases ? 'CREATEDB' : 'NOCREATEDB', user.createRoles ? 'CREATEROLE' : 'NOCREATEROLE',
    'NOREPLICATION', 'NOBYPASSRLS', 'INHERIT', `CONNECTION LIMIT ${user.connectionLimit}`,
  ].join(' ');
}

/** Every database of the cluster's users with its owner: the first user that lists it. */
export function databaseOwners(users: readonly ResolvedUser[]): { database: string; owner: string; users: string[] }[] {
  const byName = new Map<string, { database: string; owner: string; users: string[] }>();
  for (const u of users) {
    for (const db of u.databases) {
      const entry = byName.get(db) ?? { database: db, owner: u.name, users: [] };
      entry.users.push(u.name);
      byName.set(db, entry);
    }
  }
  return [...byName.values()];
}

/**
 * What an application connects with, as IVYO writes it: the primary Service's name in the namespace, and URIs with
 * the first database. Standalone adds `sslmode=require` (TLS is the only way in; `verify-full` needs the CA of
 * `<cluster>-postgres-tls`, key `ca.crt`, on the client's side, see README).
 */
export function connectionDetails(settings: ClusterSettings, user: ResolvedUser): { host: string; port: string; dbname?: string } {
  return {
    host: `${settings.names.primaryService}.${settings.namespace}.svc`,
    port: String(settings.port),
    dbname: user.databases[0],
  };
}
