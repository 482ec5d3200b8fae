/**
 * Object names, labels and annotations, following IVYO's conventions (`backup-model.md` §2-§4) so that users of
 * both targets find the same names. One place for both targets.
 */
import { createHash } from 'crypto';

export const PREFIX = 'ivory-operator.ivorysql.org/';

export const LABEL = {
  cluster: `${PREFIX}cluster`,
  instanceSet: `${PREFIX}instance-set`,
  instance: `${PREFIX}instance`,
  role: `${PREFIX}role`,
  /** Standalone instance pods run by Patroni: the value is Patroni's scope (its `scope_label`, as IVYO's). */
  patroni: `${PREFIX}patroni`,
  data: `${PREFIX}data`,
  pgbackrest: `${PREFIX}pgbackrest`,
  pgbackrestConfig: `${PREFIX}pgbackrest-config`,
  pgbackrestRepo: `${PREFIX}pgbackrest-repo`,
  pgbackrestVolume: `${PREFIX}pgbackrest-volume`,
  pgbackrestDedicated: `${PREFIX}pgbackrest-dedicated`,
  pgbackrestCronjob: `${PREFIX}pgbackrest-cronjob`,
  pgbackrestBackup: `${PREFIX}pgbackrest-backup`,
  pgbackrestRestore: `${PREFIX}pgbackrest-restore`,
  /** Every standalone backup, stanza-create and expire Job pod. */
  pgbackrestJob: `${PREFIX}pgbackrest-job`,
  /** Restore check pods, which read volume repos through the repo host. */
  pgbackrestRestoreCheck: `${PREFIX}pgbackrest-restore-check`,
  /** The user a `<cluster>-pguser-<user>` Secret is for (IVYO's `LabelIvoryUser`). */
  pguser: `${PREFIX}pguser`,
  /** Standalone switchover Job pods, which the instances admit to Patroni's REST API (and to nothing else). */
  switchover: `${PREFIX}switchover`,
};

/** Values of LABEL.role. */
export const ROLE = {
  /** A user's Secret (IVYO's `RoleIvoryUser`). */
  pguser: 'pguser',
  /** Standalone instance pods: Patroni's labels for its leader and the others (its leader/follower_label_value). */
  primary: 'primary',
  replica: 'replica',
};

export const ANNOTATION = {
  manualBackup: `${PREFIX}pgbackrest-backup`,
  restore: `${PREFIX}pgbackrest-restore`,
  /** Standalone pod templates: a hash of the ConfigMap content the pod mounts, so a change rolls the pods. */
  podConfigHash: `${PREFIX}config-hash`,
  /** IVYO: a new value requests a switchover (spec.patroni.switchover). */
  triggerSwitchover: `${PREFIX}trigger-switchover`,
};

/** Marks objects this library made, so they can be told from IVYO's. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk8s-ivorysql' };

/** The longest cluster name for which every derived name stays within Kubernetes limits. */
export const MAX_CLUSTER_NAME = 40;
/** StatefulSet names must leave room for the `-<10 char>` controller-revision-hash label value. */
export const MAX_STATEFULSET_NAME = 52;

/** The names derived from one cluster's name. */
export class ClusterNames {
  constructor(public readonly cluster: string, public readonly namespace: string, public readonly domain: string) {}

  get pgbackrestConfig(): string { return `${this.cluster}-pgbackrest-config`; }
  get pgbackrestSecrets(): string { return `${this.cluster}-pgbackrest-secrets`; }
  /** Operator target: the conf file of the repo options IVYO's `global` map cannot hold (one line per storage tag). */
  get pgbackrestStorageTags(): string { return `${this.cluster}-pgbackrest-storage-tags`; }
  /** The Secret of a restore source's credentials from the external store, apart from the cluster's own. */
  get restoreSecrets(): string { return `${this.cluster}-restore-secrets`; }
  get postgresConfig(): string { return `${this.cluster}-config`; }
  /** The standalone exporter's queries and the database set-up they read from (IVYO names its own so). */
  get exporterConfig(): string { return `${this.cluster}-exporter-queries-config`; }
  get podsService(): string { return `${this.cluster}-pods`; }
  get primaryService(): string { return `${this.cluster}-primary`; }
  get replicasService(): string { return `${this.cluster}-replicas`; }
  /**
   * Standalone with Patroni: its scope, and the selector-less Service whose Endpoints Patroni keeps pointing at the
   * leader (IVYO's `<cluster>-ha`). An in-place restore creates a new Patroni cluster on the members' volumes, with a
   * scope of its own (`<cluster>-ha-<hash of the restore id>`), so that no state of the cluster it replaces (leader,
   * last position, timeline history) is in its DCS.
   */
  haService(restoreId?: string): string { return restoreId ? `${this.cluster}-ha-${shortHash(restoreId)}` : `${this.cluster}-ha`; }
  /** The headless Service that keeps Patroni's `<scope>-config` Endpoints (the cluster's DCS state) alive. */
  haConfigService(restoreId?: string): string { return `${this.haService(restoreId)}-config`; }
  /** Patroni's configuration files and scripts. */
  get patroniConfig(): string { return `${this.cluster}-patroni-config`; }
  get repoHost(): string { return `${this.cluster}-repo-host`; }
  get instanceServiceAccount(): string { return `${this.cluster}-instance`; }
  get pgbackrestServiceAccount(): string { return `${this.cluster}-pgbackrest`; }
  get stanzaCreateJob(): string { return `${this.cluster}-stanza-create`; }
  get tlsSecret(): string { return `${this.cluster}-pgbackrest-tls`; }
  get postgresTlsSecret(): string { return `${this.cluster}-postgres-tls`; }
  get replicationTlsSecret(): string { return `${this.cluster}-replication-tls`; }
  get caSecret(): string { return `${this.cluster}-ca`; }
  get selfSignedIssuer(): string { return `${this.cluster}-selfsigned`; }
  get caIssuer(): string { return `${this.cluster}-ca`; }
  /** Standalone: the users' roles and databases, the SQL the primary keeps them in step with. */
  get usersConfig(): string { return `${this.cluster}-users`; }
  /** Standalone: the store and account that read the Secrets users' passwords are in, for their pguser Secrets. */
  get userSecretsReader(): string { return `${this.cluster}-user-secrets-reader`; }

  instanceSet(set: string): string { return `${this.cluster}-${set}`; }
  repoVolume(repoName: string): string { return `${this.cluster}-${repoName}`; }
  cronJob(repoName: string, backupType: string): string { return `${this.cluster}-${repoName}-${backupType}`; }
  manualBackupJob(id: string): string { return fitName(`${this.cluster}-backup`, id); }
  restoreJob(id: string): string { return fitName(`${this.cluster}-restore`, id); }
  expireJob(id: string): string { return fitName(`${this.cluster}-expire`, id); }
  restoreCheck(id: string): string { return `${this.cluster}-restore-check-${id}`; }
  /**
   * Standalone: the Job of one switchover request, `<cluster>-switchover-<8 hex of the trigger>`. The trigger is any
   * string (quotes, spaces, 253 characters), so it is hashed, never copied: the name is a DNS label of at most
   * 40 + 12 + 8 = 60 characters whatever the trigger; a new trigger is a new Job, the same trigger the same one.
   */
  switchoverJob(trigger: string): string { return `${this.cluster}-switchover-${shortHash(trigger)}`; }
  /** IVYO's Secret of a user's password and connection details. */
  userSecret(user: string): string { return `${this.cluster}-pguser-${user}`; }

  /** The DNS name of a StatefulSet pod behind the cluster's headless Service. */
  podFqdn(pod: string): string {
    return `${pod}.${this.podsService}.${this.namespace}.svc.${this.domain}`;
  }

  serviceFqdn(service: string): string {
    return `${service}.${this.namespace}.svc.${this.domain}`;
  }
}

/** `<base>-<suffix>`, or `<base>-<hash of suffix>` when that would exceed a Job name's 63 characters. */
function fitName(base: string, suffix: string): string {
  const name = `${base}-${suffix}`;
  if (name.length <= 63) return name;
  return `${base}-${shortHash(suffix)}`;
}

export function shortHash(value: string, length = 8): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/**
 * The superuser initdb creates and local tools connect as (peer authentication), under any uid: nss_wrapper names
 * the pod's uid so (NSS_WRAPPER_FUNCTION in scripts.ts).
 */
export const SUPERUSER = 'ivorysql';
