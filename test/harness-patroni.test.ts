/**
 * The e2e harness's pure pieces for Patroni pods (no root, no etcd): the one substitution of the rendered
 * configuration, the role labels the poller writes, ExternalName resolution and the httpGet probe command.
 */
import { parse as parseYaml } from 'yaml';
import {
  configMapItems, externalNameCandidates, hasSelector, httpGetProbeCommand, httpGetProbePasses, KUBE_ROOT_CA_PLACEHOLDER, serviceNames,
} from './e2e/harness/cluster';
import { dcsClientPort, etcd3Section, prefixRangeEnd, roleLabelSettings, roleLabelValue, withoutKubernetesEnv } from './e2e/harness/dcs';

const etcd = { gateway: '10.231.42.1', port: dcsClientPort(42) };
const renderedDcs = [
  'kubernetes:',
  '  namespace: db',
  '  use_endpoints: true',
  '  role_label: ivory-operator.ivorysql.org/role',
  '  scope_label: ivory-operator.ivorysql.org/patroni',
  '  labels:',
  '    ivory-operator.ivorysql.org/cluster: hippo',
  '',
].join('\n');
const patroniConfigMap = {
  kind: 'ConfigMap',
  metadata: { name: 'hippo-patroni', namespace: 'db' },
  data: {
    '10-cluster.yaml': 'scope: hippo-ha\npostgresql:\n  use_pg_rewind: true\n',
    '20-set-instance1.yaml': 'postgresql:\n  create_replica_methods: [pgbackrest, basebackup]\n',
    '30-dcs.yaml': renderedDcs,
    'dynamic.json': '{"ttl": 30}',
  },
};

describe('the substitution: a file at 30-dcs.yaml and PATRONI_KUBERNETES_* env, nothing else', () => {
  test('every key of the ConfigMap as rendered except 30-dcs.yaml, which names the etcd', () => {
    const files = configMapItems(patroniConfigMap, { name: 'hippo-patroni' }, 0o644, etcd);
    expect(files.map(f => f.path)).toEqual(Object.keys(patroniConfigMap.data));
    for (const f of files) {
      if (f.path === '30-dcs.yaml') continue;
      expect(f.content).toBe((patroniConfigMap.data as any)[f.path]);
    }
    const dcs = files.find(f => f.path === '30-dcs.yaml')!;
    expect(dcs.content).toBe(etcd3Section(etcd.gateway, etcd.port));
    expect(parseYaml(dcs.content)).toEqual({ etcd3: { hosts: `10.231.42.1:${23042}` } });
    expect(dcs.mode).toBe(0o644);
  });

  test('by the path the file is projected at (items), with its mode', () => {
    const files = configMapItems(patroniConfigMap, {
      name: 'hippo-patroni',
      items: [{ key: '20-set-instance1.yaml', path: '20-set.yaml' }, { key: '30-dcs.yaml', path: '30-dcs.yaml', mode: 0o600 }],
    }, 0o644, etcd);
    expect(files).toEqual([
      { path: '20-set.yaml', content: patroniConfigMap.data['20-set-instance1.yaml'], mode: 0o644 },
      { path: '30-dcs.yaml', content: etcd3Section(etcd.gateway, etcd.port), mode: 0o600 },
    ]);
    // The key at another path is not the DCS file Patroni reads: untouched.
    const elsewhere = configMapItems(patroniConfigMap, { name: 'hippo-patroni', items: [{ key: '30-dcs.yaml', path: 'kept/30-dcs.yaml' }] }, 0o644, etcd);
    expect(elsewhere[0].content).toBe(renderedDcs);
  });

  test('ConfigMaps without the file are as rendered; kube-root-ca.crt is a placeholder; missing ones as before', () => {
    const other = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'postgresql.conf': 'port = 5432\n' } };
    expect(configMapItems(other, { name: 'c' }, 0o640, etcd)).toEqual([{ path: 'postgresql.conf', content: 'port = 5432\n', mode: 0o640 }]);
    expect(configMapItems(undefined, { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] }, 0o644, etcd))
      .toEqual([{ path: 'ca.crt', content: KUBE_ROOT_CA_PLACEHOLDER, mode: 0o644 }]);
    expect(configMapItems(undefined, { name: 'gone', optional: true }, 0o644, etcd)).toEqual([]);
    expect(() => configMapItems(undefined, { name: 'gone' }, 0o644, etcd)).toThrow('ConfigMap gone not found');
    expect(() => configMapItems(other, { name: 'c', items: [{ key: 'nope', path: 'x' }] }, 0o644, etcd)).toThrow('has no key nope');
  });

  test('env: only PATRONI_KUBERNETES_* is dropped', () => {
    const env = {
      PATRONI_NAME: 'hippo-instance1-0',
      PATRONI_KUBERNETES_POD_IP: '10.0.0.5',
      PATRONI_KUBERNETES_PORTS: '[{"name":"postgres","port":5432,"protocol":"TCP"}]',
      PATRONI_KUBERNETES_NAMESPACE: 'db',
      PATRONI_POSTGRESQL_LISTEN: '*:5432',
      PATRONI_RESTAPI_CONNECT_ADDRESS: 'hippo-instance1-0.hippo-pods:8008',
      PATRONICTL_CONFIG_FILE: '/etc/patroni',
      PGDATA: '/pgdata/pg18',
    };
    expect(withoutKubernetesEnv(env)).toEqual({
      PATRONI_NAME: 'hippo-instance1-0',
      PATRONI_POSTGRESQL_LISTEN: '*:5432',
      PATRONI_RESTAPI_CONNECT_ADDRESS: 'hippo-instance1-0.hippo-pods:8008',
      PATRONICTL_CONFIG_FILE: '/etc/patroni',
      PGDATA: '/pgdata/pg18',
    });
  });
});

describe('what the poller writes for Patroni', () => {
  const settings = roleLabelSettings(renderedDcs)!;

  test('the role label and its values come from the rendered kubernetes section (Patroni\'s defaults otherwise)', () => {
    expect(settings).toEqual({ roleLabel: 'ivory-operator.ivorysql.org/role', leaderValue: 'primary', followerValue: 'replica', standbyLeaderValue: 'primary' });
    expect(roleLabelSettings('etcd3:\n  hosts: a:1\n')).toBeUndefined();
    expect(roleLabelSettings('kubernetes:\n  role_label: r\n  follower_label_value: f\n')?.followerValue).toBe('f');
  });

  test('as Patroni\'s touch_member: leader primary, running others replica, the rest no label', () => {
    const leader = 'hippo-instance1-0';
    expect(roleLabelValue({ name: leader, role: 'primary', state: 'running' }, leader, settings)).toBe('primary');
    expect(roleLabelValue({ name: leader, role: 'standby_leader', state: 'running' }, leader, settings)).toBe('primary');
    expect(roleLabelValue({ name: 'hippo-instance1-1', role: 'replica', state: 'running' }, leader, settings)).toBe('replica');
    expect(roleLabelValue({ name: 'hippo-instance1-1', role: 'sync_standby', state: 'running' }, leader, settings)).toBe('sync_standby');
    expect(roleLabelValue({ name: 'hippo-instance1-1', role: 'replica', state: 'starting' }, leader, settings)).toBeUndefined();
    // A member still saying primary without the lock (the old primary before it demotes) is labelled nothing.
    expect(roleLabelValue({ name: 'hippo-instance1-2', role: 'primary', state: 'running' }, leader, settings)).toBeUndefined();
    expect(roleLabelValue({ name: 'hippo-instance1-1', role: 'replica', state: 'running' }, undefined, settings)).toBe('replica');
  });

  test('etcd prefix ranges', () => {
    expect(prefixRangeEnd('/service/hippo-ha/members/')).toBe('/service/hippo-ha/members0');
    expect(prefixRangeEnd('/service/')).toBe('/service0');
  });
});

describe('DNS for Patroni\'s Services', () => {
  test('an ExternalName is looked up as itself, then as the Service it names', () => {
    expect(externalNameCandidates('hippo-ha.db.svc.cluster.local')).toEqual(['hippo-ha.db.svc.cluster.local', 'hippo-ha.db']);
    expect(externalNameCandidates('hippo-ha.db.svc.example.org.')).toEqual(['hippo-ha.db.svc.example.org', 'hippo-ha.db']);
    expect(externalNameCandidates('hippo-ha.db.svc')).toEqual(['hippo-ha.db.svc', 'hippo-ha.db']);
    expect(externalNameCandidates('s3.example.com')).toEqual(['s3.example.com']);
  });

  test('selector-less Services are not resolved from pods; names in four forms', () => {
    expect(hasSelector({ spec: { clusterIP: '' } })).toBe(false);
    expect(hasSelector({ spec: { selector: {} } })).toBe(false);
    expect(hasSelector({ spec: { selector: { a: 'b' } } })).toBe(true);
    expect(serviceNames({ metadata: { name: 'hippo-ha', namespace: 'db' } }))
      .toEqual(['hippo-ha', 'hippo-ha.db', 'hippo-ha.db.svc', 'hippo-ha.db.svc.cluster.local']);
  });
});

describe('httpGet probes', () => {
  const container = { name: 'database', ports: [{ name: 'postgres', containerPort: 5432 }, { name: 'patroni', containerPort: 8008 }] };
  const curl = (url: string) => ['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', url];

  test('to the pod address, port by number or name, scheme as given', () => {
    expect(httpGetProbeCommand({ path: '/readiness', port: 8008, scheme: 'HTTPS' }, container, '10.231.42.3')).toEqual(curl('https://10.231.42.3:8008/readiness'));
    expect(httpGetProbeCommand({ path: '/liveness', port: 'patroni', scheme: 'HTTPS' }, container, '10.231.42.3')).toEqual(curl('https://10.231.42.3:8008/liveness'));
    expect(httpGetProbeCommand({ port: '8080' }, container, '10.231.42.3')).toEqual(curl('http://10.231.42.3:8080/'));
    expect(httpGetProbeCommand({ path: 'x', port: 80, host: '127.0.0.1', httpHeaders: [{ name: 'A', value: 'b' }] }, container, '10.231.42.3'))
      .toEqual(['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '-H', 'A: b', 'http://127.0.0.1:80/x']);
    expect(() => httpGetProbeCommand({ port: 'metrics' }, container, '10.231.42.3')).toThrow('port metrics is not a port of the container');
  });

  test('200-399 pass, as the kubelet judges', () => {
    expect(['200', '204', '302', '399'].map(httpGetProbePasses)).toEqual([true, true, true, true]);
    expect(['000', '199', '400', '503', ''].map(httpGetProbePasses)).toEqual([false, false, false, false, false]);
  });
});
