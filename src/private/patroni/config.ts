/**
 * Patroni's configuration for the standalone instances, computed from the model once: the files Patroni reads from
 * its configuration directory (it loads every `*.yml`/`*.yaml` there in name order and merges them), the dynamic
 * configuration it keeps in the DCS, and the environment of the container that runs it. Shaped as IVYO 5.4 configures
 * Patroni 4.0.7 (`internal/patroni`): the Kubernetes DCS on Endpoints, PostgreSQL's parameters and HBA rules in the
 * DCS, replicas created from the repo with a pgBackRest delta restore, rewinds by the replication user.
 */
import { k8s } from 'cdk8s-plus-28';
import { ClusterModel, pgDataDir, pgWalDir, replicaRepo, ResolvedInstanceSet } from '../model/cluster-model';
import { LABEL, ROLE, SUPERUSER } from '../model/naming';
import { TLS_DIR } from '../pgbackrest/config';
import { promotingRestoreArgs, STANZA, walLinkMapArgs } from '../pgbackrest/layout';
import { pgHbaLines, pgIdentLines, postgresSettings, REPLICATION_TLS_DIR, REPLICATION_USER } from '../postgres/config';

/** Where the configuration volume is mounted; also PATRONICTL_CONFIG_FILE (a directory, as for Patroni). */
export const PATRONI_DIR = '/etc/patroni';
export const PATRONI_PORT = 8008;
export const PATRONI_PORT_NAME = 'patroni';

/**
 * The keys of the configuration ConfigMap and the names the pods see them under. Each pod projects only its own
 * set's file, as `20-set.yaml`. `dynamic.json` is not a name Patroni loads: the database container applies it to the
 * DCS (PATRONI_SCRIPT).
 */
export const PATRONI_FILES = {
  cluster: '10-cluster.yaml',
  set: '20-set.yaml',
  /** The DCS section: the one file the end-to-end harness replaces (with etcd), since it has no Kubernetes API. */
  dcs: '30-dcs.yaml',
  dynamic: 'dynamic.json',
  bootstrap: 'bootstrap.sh',
  replica: 'create-replica.sh',
  callback: 'callback.sh',
};

/** The ConfigMap key of a set's file. */
export function setFileKey(set: ResolvedInstanceSet): string {
  return `20-set-${set.name}.yaml`;
}

/** The name of Patroni's custom bootstrap method (`bootstrap.method`). */
const BOOTSTRAP_METHOD = 'ivory';

/**
 * Settings Patroni owns itself and refuses, or ignores, among the parameters: where PostgreSQL listens and its HBA and
 * ident files (`postgresql.listen`, `pg_hba`, `pg_ident`), and recovery settings, which Patroni writes for each member
 * as its role needs (the restore command through `recovery_conf`).
 */
const PATRONI_OWNED = new Set(['listen_addresses', 'port', 'hba_file', 'ident_file', 'restore_command', 'recovery_target_timeline']);

/**
 * The command of a script in the configuration directory with `args`. Patroni splits commands as a POSIX shell would
 * (Python's shlex) and runs no shell, so each argument is single-quoted: shlex then gives it back whole, whatever it
 * holds (a recovery target's time has spaces).
 */
function script(file: string, args: string[] = []): string {
  const word = (w: string) => `'${w.replace(/'/g, '\'"\'"\'')}'`;
  return [`bash -eu ${PATRONI_DIR}/${file}`, ...args.map(word)].join(' ');
}

/**
 * Patroni's scope: the cluster's, or an in-place restore's (a new Patroni cluster on the same volumes, see
 * ClusterNames.haService). The leader Service and the config Service are named so.
 */
export function patroniScope(model: ClusterModel): string {
  return model.names.haService(model.inPlaceRestore?.restoreId);
}

/** The Service of the scope's `-config` Endpoints. */
export function patroniConfigService(model: ClusterModel): string {
  return model.names.haConfigService(model.inPlaceRestore?.restoreId);
}

/** One of the server settings, as `postgresSettings` computes it for both runtimes. */
function setting(model: ClusterModel, name: string): string {
  return String(postgresSettings(model).find(([n]) => n === name)?.[1]);
}

/** TLS of the REST API and patronictl: the instances' own identity (server and client auth for every instance pod). */
function restTls(): { certfile: string; keyfile: string; cafile: string } {
  return { certfile: `${TLS_DIR}/tls.crt`, keyfile: `${TLS_DIR}/tls.key`, cafile: `${TLS_DIR}/ca.crt` };
}

/**
 * Patroni's dynamic configuration: what every member shares through the DCS. Bootstrapping writes it as
 * `bootstrap.dcs`; afterwards the database containers apply the same document when it changes.
 */
export function dynamicConfig(model: ClusterModel): { [key: string]: unknown } {
  const parameters: { [name: string]: string | number } = {};
  for (const [name, value] of postgresSettings(model)) {
    if (!PATRONI_OWNED.has(name)) parameters[name] = value;
  }
  const standby = model.standby;
  return {
    ...model.highAvailability.dynamic,
    // A standby cluster (Patroni's standby_cluster): its leader is created from the primary cluster's repo (the replica
    // method, without a leader), replays that repo's WAL and streams from the other primary if given. Removing it from
    // the code promotes the standby leader (the database containers apply the document without it).
    ...(standby ? {
      standby_cluster: {
        create_replica_methods: ['pgbackrest'],
        restore_command: setting(model, 'restore_command'),
        ...(standby.host ? { host: standby.host, port: standby.port ?? 5432 } : {}),
      },
    } : {}),
    postgresql: {
      // Replicas that fall behind read the WAL from the repos (restore_command), so no slot holds WAL on the primary.
      use_slots: false,
      use_pg_rewind: true,
      parameters,
      pg_hba: pgHbaLines(model, true),
      pg_ident: pgIdentLines(model, true),
    },
  };
}

/** `10-cluster.yaml`: what every member of the cluster shares locally. */
export function clusterConfig(model: ClusterModel): { [key: string]: unknown } {
  const replication = {
    username: REPLICATION_USER,
    sslmode: 'verify-full',
    sslcert: `${REPLICATION_TLS_DIR}/tls.crt`,
    sslkey: `${REPLICATION_TLS_DIR}/tls.key`,
    sslrootcert: `${REPLICATION_TLS_DIR}/ca.crt`,
  };
  const tls = restTls();
  const restore = model.restoreFrom ?? model.inPlaceRestore;
  return {
    scope: patroniScope(model),
    restapi: { ...tls, verify_client: 'optional' },
    ctl: { certfile: tls.certfile, keyfile: tls.keyfile, cacert: tls.cafile, insecure: false },
    watchdog: { mode: 'off' },
    bootstrap: {
      method: BOOTSTRAP_METHOD,
      // A clone's or an in-place restore's arguments; a new cluster's bootstrap takes none.
      [BOOTSTRAP_METHOD]: {
        command: script(PATRONI_FILES.bootstrap, restore ? promotingRestoreArgs(restore) : []),
        no_params: true,
      },
      dcs: dynamicConfig(model),
    },
    postgresql: {
      data_dir: pgDataDir(model),
      config_dir: pgDataDir(model),
      pgpass: '/tmp/.pgpass',
      use_unix_socket: true,
      // Patroni's replication connections to its own server: over the socket (pgHbaLines).
      use_unix_socket_repl: true,
      authentication: {
        // Peer authentication over the pod's socket: nss_wrapper names the pod's uid so.
        superuser: { username: SUPERUSER },
        replication,
        rewind: { ...replication },
      },
      // A failed rewind leaves a data directory Patroni cannot use: it is removed and the member re-created from the
      // repo (create_replica_methods).
      remove_data_directory_on_rewind_failure: true,
      remove_data_directory_on_diverged_timelines: true,
      // The restore command the settings have (a standby's names its repo), written by Patroni for each member's recovery.
      recovery_conf: { restore_command: setting(model, 'restore_command') },
      callbacks: { on_start: script(PATRONI_FILES.callback), on_role_change: script(PATRONI_FILES.callback) },
    },
  };
}

/** `20-set.yaml` of one set: how its members are created (the WAL directory differs between sets). */
export function setConfig(model: ClusterModel, set: ResolvedInstanceSet): { [key: string]: unknown } {
  const walDir = set.walVolumeSize ? pgWalDir(model, set) : undefined;
  return {
    postgresql: {
      // From the repo first (no load on the primary), from the primary while no backup exists yet.
      create_replica_methods: ['pgbackrest', 'basebackup'],
      pgbackrest: { command: script(PATRONI_FILES.replica), keep_data: true, no_leader: true, no_params: true },
      basebackup: [{ checkpoint: 'fast' }, ...(walDir ? [{ waldir: walDir }] : [])],
    },
  };
}

/** `30-dcs.yaml`: Patroni's DCS, the Kubernetes API, with leader election on Endpoints as IVYO does it. */
export function dcsConfig(model: ClusterModel): { [key: string]: unknown } {
  return {
    kubernetes: {
      namespace: model.namespace,
      use_endpoints: true,
      role_label: LABEL.role,
      leader_label_value: ROLE.primary,
      follower_label_value: ROLE.replica,
      scope_label: LABEL.patroni,
      labels: { [LABEL.cluster]: model.name },
    },
  };
}

/** Labels of the pods Patroni runs: the scope label its DCS lists members by. */
export function patroniPodLabels(model: ClusterModel): { [key: string]: string } {
  return { [LABEL.patroni]: patroniScope(model) };
}

/** The database container's environment for Patroni: its name and addresses, as IVYO sets them. */
export function patroniEnv(model: ClusterModel): k8s.EnvVar[] {
  const pods = model.names.podsService;
  return [
    { name: 'PATRONI_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'PATRONI_KUBERNETES_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    // The ports of the leader's Endpoints: the -ha Service's port, by name.
    { name: 'PATRONI_KUBERNETES_PORTS', value: JSON.stringify([{ name: 'postgres', port: model.port, protocol: 'TCP' }]) },
    { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: `$(PATRONI_NAME).${pods}:${model.port}` },
    { name: 'PATRONI_POSTGRESQL_LISTEN', value: `*:${model.port}` },
    { name: 'PATRONI_RESTAPI_CONNECT_ADDRESS', value: `$(PATRONI_NAME).${pods}:${PATRONI_PORT}` },
    { name: 'PATRONI_RESTAPI_LISTEN', value: `*:${PATRONI_PORT}` },
    { name: 'PATRONICTL_CONFIG_FILE', value: PATRONI_DIR },
  ];
}

/** The replica creation command's pgBackRest arguments (create-replica.sh): its backups' `info`, then its restore. */
export function replicaInfoArgs(model: ClusterModel): string {
  return `--stanza=${STANZA} --repo=${replicaRepo(model)}`;
}

export function replicaRestoreArgs(model: ClusterModel, set: ResolvedInstanceSet): string {
  const walDir = set.walVolumeSize ? pgWalDir(model, set) : undefined;
  return [replicaInfoArgs(model), '--type=standby', '--target-timeline=latest', '--delta', ...walLinkMapArgs(walDir)].join(' ');
}
