/**
 * Users and databases (issue 16): how both targets render a declared user, and every refusal, per field and all at
 * once. The end-to-end proof on the real engine is test/e2e-users.test.ts.
 */
import { Size, Testing } from 'cdk8s';
import { BackupRepo, DatabaseUserProps, DeploymentTarget, IvoryCluster, IvoryClusterProps, RepoCredentials, Standby, UserPassword } from '../src';
import { renderTemplate } from './e2e/harness/external-secrets';
import { all, find, validationMessage } from './support/synth';

const js = (v: unknown) => v as any;
const repos = () => [BackupRepo.volume({ size: Size.gibibytes(1) })];

function cluster(props: Partial<IvoryClusterProps>, chart = Testing.chart()): IvoryCluster {
  return new IvoryCluster(chart, 'hippo', { namespace: 'db', repos: repos(), ...props } as IvoryClusterProps);
}

function synth(props: Partial<IvoryClusterProps>): any[] {
  const chart = Testing.chart();
  cluster(props, chart);
  return Testing.synth(chart);
}

const standalone = (users: DatabaseUserProps[], more: Partial<IvoryClusterProps> = {}) =>
  synth({ target: DeploymentTarget.STANDALONE, externalSecretStore: { name: 'vault' }, users, ...more });

const USERS: DatabaseUserProps[] = [
  { name: 'app', databases: ['app'] },
  { name: 'report', databases: ['reports', 'app'], password: UserPassword.fromSecret('report-password', 'pw') },
  { name: 'etl', databases: ['etl'], password: UserPassword.fromExternalSecret('db/etl', 'password'), createDatabases: true, connectionLimit: 5 },
  { name: 'ops', password: UserPassword.generated({ alphanumeric: true, length: 32 }), createRoles: true },
];

describe('operator target: IVYO\'s spec.users', () => {
  test('each user with its databases and every role option written out; IVYO generates the password of the type asked', () => {
    const cr = find(synth({ users: [{ name: 'app', databases: ['app', 'audit'] }] }), 'IvoryCluster');
    const c = cluster({});
    c.addUser({ name: 'ops', password: UserPassword.generated({ alphanumeric: true }), createDatabases: true, connectionLimit: 3 });
    const added = find(Testing.synth(c.node.scope as any), 'IvoryCluster');
    expect(cr.spec.users).toEqual([{
      name: 'app',
      databases: ['app', 'audit'],
      options: 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT -1',
      password: { type: 'ASCII' },
    }]);
    expect(added.spec.users).toEqual([{
      name: 'ops',
      options: 'LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT 3',
      password: { type: 'AlphaNumeric' },
    }]);
    // IVYO's own pattern for options: no semicolon.
    expect(cr.spec.users[0].options).not.toContain(';');
  });

  test('without users, spec.users is left out, so IVYO makes its default user and database', () => {
    expect(find(synth({}), 'IvoryCluster').spec.users).toBeUndefined();
  });

  test('a password source IVYO cannot take is refused, saying what IVYO does instead', () => {
    const message = validationMessage(() => cluster({
      users: [
        { name: 'a', password: UserPassword.fromSecret('a-password') },
        { name: 'b', password: UserPassword.fromExternalSecret('db/b') },
        { name: 'c', password: UserPassword.generated({ length: 40 }) },
      ],
      externalSecretStore: { name: 'vault' },
    }));
    expect(message).toContain('users[0].password: "UserPassword.fromSecret(...)": the operator target takes UserPassword.generated() only: IVYO generates each user\'s password');
    expect(message).toContain('users[1].password: "UserPassword.fromExternalSecret(...)": the operator target takes UserPassword.generated() only');
    expect(message).toContain('users[2].password.length: 40: IVYO always generates 24 characters');
  });
});

describe('standalone target', () => {
  const manifests = standalone(USERS);
  const sts = find(manifests, 'StatefulSet', 'hippo-instance1');
  const pod = sts.spec.template.spec;

  test('a users container beside the database, on the socket as the superuser, with the set-up and the password files mounted', () => {
    const c = pod.containers.find((x: any) => x.name === 'users');
    expect(c.image).toBe(pod.containers.find((x: any) => x.name === 'database').image);
    expect(Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]))).toMatchObject({
      PGHOST: '/tmp/postgres',
      PGPORT: '5432',
      USERS: 'app report etl ops',
      USERS_SQL: '/etc/ivorysql/users-config/users.sql',
      PASSWORDS_DIR: '/etc/ivorysql/users',
      SUPERUSER: 'ivorysql',
      LD_PRELOAD: 'libnss_wrapper.so',
    });
    expect(c.volumeMounts).toEqual([
      { name: 'users-config', mountPath: '/etc/ivorysql/users-config', readOnly: true },
      { name: 'user-passwords', mountPath: '/etc/ivorysql/users', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    // The password is read by the shell and piped to \password: no program has it as an argument, none is logged.
    const script = c.command[3];
    expect(script).toContain('pw=$(<"$file")');
    expect(script).toContain('printf \'%s\\n%s\\n\' "$pw" "$pw" | psql -d postgres -Xq -v ON_ERROR_STOP=1 -c \'SET log_statement = none\' -c "\\\\password \\"$user\\""');
    expect(script).not.toMatch(/PASSWORD '/i);
  });

  test('each password from its source, mounted (not env: the kubelet updates mounted files), optional so no database waits for one', () => {
    const volume = pod.volumes.find((v: any) => v.name === 'user-passwords');
    expect(volume.projected.sources).toEqual([
      { secret: { name: 'hippo-pguser-app', optional: true, items: [{ key: 'password', path: 'app/password', mode: 0o440 }] } },
      { secret: { name: 'report-password', optional: true, items: [{ key: 'pw', path: 'report/password', mode: 0o440 }] } },
      { secret: { name: 'hippo-pguser-etl', optional: true, items: [{ key: 'password', path: 'etl/password', mode: 0o440 }] } },
      { secret: { name: 'hippo-pguser-ops', optional: true, items: [{ key: 'password', path: 'ops/password', mode: 0o440 }] } },
    ]);
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect((c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef?.name?.includes('pguser') || e.valueFrom?.secretKeyRef?.name === 'report-password')).toEqual([]);
    }
  });

  test('the set-up: roles with their options, databases owned by their first user and closed to PUBLIC, grants, no password', () => {
    const sql: string = find(manifests, 'ConfigMap', 'hippo-users').data['users.sql'];
    expect(sql).toContain("unnest(ARRAY['app', 'report', 'etl', 'ops']::text[])");
    expect(sql).toContain('ALTER ROLE "etl" WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT 5;');
    expect(sql).toContain('ALTER ROLE "ops" WITH LOGIN NOSUPERUSER NOCREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT -1;');
    expect(sql).toContain("(VALUES ('app', 'app'), ('reports', 'report'), ('etl', 'etl')) v(d, o)");
    expect(sql).toContain('ALTER DATABASE "app" OWNER TO "app";');
    expect(sql).toContain('ALTER DATABASE "reports" OWNER TO "report";');
    for (const db of ['app', 'reports', 'etl']) expect(sql).toContain(`REVOKE CONNECT, TEMPORARY ON DATABASE "${db}" FROM PUBLIC;`);
    expect(sql).toContain('GRANT ALL PRIVILEGES ON DATABASE "app" TO "report";');
    expect(sql).toContain('\\connect "app"\nGRANT USAGE, CREATE ON SCHEMA public TO "report";');
    expect(sql).not.toMatch(/\bPASSWORD\b/);
    // Nothing is dropped or locked, not even a role no longer declared: no DROP statement, no NOLOGIN, no CREATE that is one.
    expect(sql).not.toMatch(/^\s*DROP\b|NOLOGIN|format\('DROP/m);
    expect(sql).toContain('is no longer declared: left as it is');
  });

  test('each pguser Secret in IVYO\'s layout and labels, from an ExternalSecret; the URIs ask for TLS', () => {
    const es = all(manifests, 'ExternalSecret');
    expect(es.map(e => e.metadata.name)).toEqual(['hippo-pguser-app', 'hippo-pguser-report', 'hippo-pguser-etl', 'hippo-pguser-ops']);
    const app = es[0].spec.target;
    expect(app.name).toBe('hippo-pguser-app');
    expect(app.template.metadata.labels).toEqual({
      'ivory-operator.ivorysql.org/cluster': 'hippo', 'ivory-operator.ivorysql.org/role': 'pguser', 'ivory-operator.ivorysql.org/pguser': 'app',
    });
    expect(Object.keys(app.template.data).sort()).toEqual(['dbname', 'host', 'jdbc-uri', 'password', 'port', 'uri', 'user']);
    expect(app.template.data).toMatchObject({ user: 'app', host: 'hippo-primary.db.svc', port: '5432', dbname: 'app', password: '{{ .password }}' });
    // A user without databases: no dbname and no URIs, as IVYO writes it.
    expect(Object.keys(es[3].spec.target.template.data).sort()).toEqual(['host', 'password', 'port', 'user']);
  });

  test('the URIs, rendered as external-secrets renders them, give back the password whatever it holds', () => {
    const data = find(manifests, 'ExternalSecret', 'hippo-pguser-app').spec.target.template.data;
    for (const password of ['plain', 'sp ace+plus/slash@at:colon%pct', 'é?#&=\'"\\', '~!@#$%^&*()_+`-={}|[]\\:"<>?,./']) {
      const uri = new URL(renderTemplate(data.uri, { password }));
      expect([uri.protocol, uri.username, decodeURIComponent(uri.password), uri.host, uri.pathname, uri.search])
        .toEqual(['postgresql:', 'app', password, 'hippo-primary.db.svc:5432', '/app', '?sslmode=require']);
      const jdbc = new URL(renderTemplate(data['jdbc-uri'], { password }).replace(/^jdbc:/, ''));
      expect([jdbc.searchParams.get('password'), jdbc.searchParams.get('user'), jdbc.searchParams.get('sslmode')]).toEqual([password, 'app', 'require']);
    }
  });

  test('a generated password: external-secrets\' Password generator, generated once (refreshInterval 0s)', () => {
    const gen = find(manifests, 'Password', 'hippo-pguser-ops');
    expect(gen.spec).toEqual({ length: 32, digits: 8, symbols: 0, noUpper: false, allowRepeat: true });
    expect(find(manifests, 'Password', 'hippo-pguser-app').spec).toMatchObject({ length: 24, symbols: 4 });
    const es = find(manifests, 'ExternalSecret', 'hippo-pguser-ops').spec;
    expect(es.refreshInterval).toBe('0s');
    expect(es.secretStoreRef).toBeUndefined();
    expect(es.dataFrom).toEqual([{ sourceRef: { generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'hippo-pguser-ops' } } }]);
  });

  test('a password in the external store: read through the cluster\'s externalSecretStore', () => {
    const es = find(manifests, 'ExternalSecret', 'hippo-pguser-etl').spec;
    expect(es.secretStoreRef).toEqual({ name: 'vault', kind: 'SecretStore' });
    expect(es.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'db/etl', property: 'password' } }]);
  });

  test('a password in a Secret the user manages: read by a Kubernetes-provider store whose account may get that Secret only', () => {
    const es = find(manifests, 'ExternalSecret', 'hippo-pguser-report').spec;
    expect(es.secretStoreRef).toEqual({ name: 'hippo-user-secrets-reader', kind: 'SecretStore' });
    expect(es.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'report-password', property: 'pw' } }]);
    const store = find(manifests, 'SecretStore', 'hippo-user-secrets-reader');
    expect(store.spec.provider.kubernetes).toEqual({
      remoteNamespace: 'db',
      server: { caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt' } },
      auth: { serviceAccount: { name: 'hippo-user-secrets-reader' } },
    });
    expect(find(manifests, 'Role', 'hippo-user-secrets-reader').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['report-password'], verbs: ['get'] },
    ]);
    expect(find(manifests, 'RoleBinding', 'hippo-user-secrets-reader')).toMatchObject({
      roleRef: { kind: 'Role', name: 'hippo-user-secrets-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'hippo-user-secrets-reader', namespace: 'db' }],
    });
    expect(find(manifests, 'ServiceAccount', 'hippo-user-secrets-reader').automountServiceAccountToken).toBe(false);
  });

  test('no store, account or role when no password is in a Secret the user manages; nothing at all without users', () => {
    const generatedOnly = standalone([{ name: 'app', databases: ['app'] }]);
    expect(all(generatedOnly, 'SecretStore')).toEqual([]);
    expect(all(generatedOnly, 'Role')).toEqual([]);
    const none = standalone([]);
    expect(none.filter(m => /users|pguser|user-secrets/.test(m.metadata.name))).toEqual([]);
    const spec = find(none, 'StatefulSet', 'hippo-instance1').spec.template.spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['database', 'pgbackrest', 'exporter']);
  });

  test('every instance set gets the users container (it acts only where PostgreSQL is not in recovery)', () => {
    const m = standalone([{ name: 'app' }], { instances: [{ name: 'a' }, { name: 'b', replicas: 2 }] });
    for (const name of ['hippo-a', 'hippo-b']) {
      expect(find(m, 'StatefulSet', name).spec.template.spec.containers.map((c: any) => c.name)).toContain('users');
    }
    expect(pod.containers.find((c: any) => c.name === 'users').command[3]).toContain("select pg_catalog.pg_is_in_recovery()' 2>/dev/null)\" = f");
  });
});

describe('refusals', () => {
  test('role names PostgreSQL or IVYO cannot take, reserved roles and duplicates, all at once', () => {
    const message = validationMessage(() => cluster({
      target: DeploymentTarget.STANDALONE,
      users: [
        { name: 'App' }, { name: 'app_user' }, { name: 'a'.repeat(64) }, { name: '-app' },
        { name: 'ivorysql' }, { name: 'replicator' }, { name: 'postgres' }, { name: 'public' },
        { name: 'app' }, { name: 'app' },
      ],
    }));
    for (const [i, v] of [[0, 'App'], [1, 'app_user'], [2, 'a'.repeat(64)], [3, '-app']]) {
      expect(message).toContain(`users[${i}].name: "${v}": must be a role name IVYO takes`);
    }
    for (const [i, v] of [[4, 'ivorysql'], [5, 'replicator'], [6, 'postgres'], [7, 'public']]) {
      expect(message).toContain(`users[${i}].name: "${v}": is a role of the cluster's own or one PostgreSQL reserves`);
    }
    expect(message).toContain('users[9].name: "app": is already a user of this cluster (users[8])');
  });

  test('database names PostgreSQL clients cannot take unquoted, the cluster\'s own, and one listed twice', () => {
    const message = validationMessage(() => cluster({
      target: DeploymentTarget.STANDALONE,
      users: [{ name: 'app', databases: ['App', '1db', 'x'.repeat(64), 'a b', 'postgres', 'template1', 'app', 'app'] }],
    }));
    for (const [i, v] of [[0, 'App'], [1, '1db'], [2, 'x'.repeat(64)], [3, 'a b']]) {
      expect(message).toContain(`users[0].databases[${i}]: "${v}": must be a database name`);
    }
    expect(message).toContain('users[0].databases[4]: "postgres": is a database of the cluster\'s own');
    expect(message).toContain('users[0].databases[5]: "template1": is a database of the cluster\'s own');
    expect(message).toContain('users[0].databases[7]: "app": is listed twice');
    expect(message).not.toContain('databases[6]');
  });

  test('options and password sources out of range, a store missing, and wrong types', () => {
    const message = validationMessage(() => cluster({
      target: DeploymentTarget.STANDALONE,
      users: [
        { name: 'a', connectionLimit: -2 },
        { name: 'b', password: UserPassword.generated({ length: 8 }) },
        { name: 'c', password: UserPassword.fromExternalSecret('db/c') },
        { name: 'd', password: UserPassword.fromSecret('Bad_Name') },
        { name: 'e', password: js('hunter2') },
        { name: 'f', databases: js('f') },
        js({ nam: 'g' }),
        { name: 'h', password: UserPassword.fromSecret(js(1)) },
        { name: 'i', password: UserPassword.generated(js({ alphanumeric: 'yes', lenght: 30 })) },
      ],
    }));
    expect(message).toContain('users[0].connectionLimit: -2: must be a whole number from -1 (no limit) to 100000');
    expect(message).toContain('users[1].password.length: 8: must be a whole number from 16 to 128');
    expect(message).toContain('users[2].password: "UserPassword.fromExternalSecret(...)": needs the cluster\'s externalSecretStore');
    expect(message).toContain('users[3].password.secretName: "Bad_Name": must be a DNS-1123 subdomain');
    expect(message).toContain('users[4].password: "hunter2": must be a UserPassword (UserPassword.generated, fromSecret or fromExternalSecret)');
    expect(message).toContain('users[5].databases: "f": must be a list of strings');
    expect(message).toContain('users[6].nam: "g": is not a prop of DatabaseUserProps; did you mean name?');
    expect(message).toContain('users[6].name: undefined: is required by DatabaseUserProps');
    expect(message).toContain('users[7].password.secretName: 1: must be a string');
    expect(message).toContain('users[8].password.alphanumeric: "yes": must be true or false');
    expect(message).toContain('users[8].password.lenght: 30: is not a prop of GeneratedPasswordProps; did you mean length?');
  });

  test('a standby cluster: refused at synth, for both targets (its catalog is its primary\'s)', () => {
    const primaryRepo = () => BackupRepo.s3({
      bucket: 'acme-pg',
      region: 'eu-central-1',
      path: '/pgbackrest/db/primary/repo1',
      credentials: RepoCredentials.s3WebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/pg' }),
    });
    for (const target of [DeploymentTarget.OPERATOR, DeploymentTarget.STANDALONE]) {
      const message = validationMessage(() => cluster({ target, standby: Standby.fromRepo('repo1'), repos: [primaryRepo()], users: [{ name: 'app' }] }));
      expect(message).toContain('users: a standby cluster replays its primary\'s catalog and cannot create roles or set passwords');
    }
  });

  test('addUser: refused at the call, named by it; a duplicate of a user of the props; nothing after synth', () => {
    const chart = Testing.chart();
    const c = cluster({ target: DeploymentTarget.STANDALONE, users: [{ name: 'app' }] }, chart);
    expect(validationMessage(() => c.addUser({ name: 'app' }))).toContain('addUser("app").name: "app": is already a user of this cluster (users[0])');
    expect(validationMessage(() => c.addUser({ name: 'Bad' }))).toContain('addUser("Bad").name: "Bad": must be a role name IVYO takes');
    c.addUser({ name: 'report', databases: ['reports'] });
    expect(find(Testing.synth(chart), 'ConfigMap', 'hippo-users').data['users.sql']).toContain('ALTER DATABASE "reports" OWNER TO "report";');
    expect(validationMessage(() => c.addUser({ name: 'late' }))).toContain('addUser: the cluster was already synthesized');
  });
});
