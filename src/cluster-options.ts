import { Duration } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';
import { BackupSource } from './backup-source';
import { ClientAccess } from './client-access';
import { TlsCertificates } from './tls-certificates';

/**
 * An external-secrets `SecretStore` or `ClusterSecretStore` that you configured (for Vault, a cloud secret manager
 * ...). The cluster's `ExternalSecret` reads every `CredentialSource.fromExternalSecret` value from it.
 */
export interface ExternalSecretStoreRef {
  /** The store's name. */
  readonly name: string;
  /**
   * `SecretStore` (in the cluster's namespace) or `ClusterSecretStore` (one store for every namespace).
   * @default SecretStore
   */
  readonly kind?: string;
  /**
   * How often the external-secrets operator re-reads the store (the ExternalSecret's `refreshInterval`), so that a
   * rotated value reaches the pods' Secret.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

/**
 * Settings of the backup Jobs and CronJobs: their resources and priority, and (standalone target) their deadlines
 * and how many finished Jobs are kept. Set them to fit backups into the Kubernetes cluster's capacity.
 */
export interface BackupJobOptions {
  /**
   * CPU and memory of backup Jobs; the CPU (limit, else request) also sets pgBackRest's `process-max`.
   * @default - standalone: 1 CPU requested, 2 CPU limit, 256 MiB to 1 GiB memory; operator: none set, IVYO's own
   */
  readonly resources?: ContainerResources;
  /**
   * Delete finished Jobs after this long (`ttlSecondsAfterFinished`; at least 60 seconds for IVYO), so that
   * finished Jobs and their pods do not pile up.
   * @default - not set: standalone CronJobs' Jobs are pruned by the history limits, one-off Jobs are kept
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Successful Jobs kept per CronJob (standalone), whose logs show the recent runs.
   * @default 3
   */
  readonly successfulJobsRetained?: number;
  /**
   * Failed Jobs kept per CronJob (standalone), whose logs show why they failed.
   * @default 1
   */
  readonly failedJobsRetained?: number;
  /**
   * Longest a Job may run before Kubernetes stops it (standalone: backups, stanza-create, deletions, restore
   * checks), so that a hung backup does not block the next ones.
   * @default Duration.hours(12)
   */
  readonly activeDeadline?: Duration;
  /**
   * How long a backup waits for another backup of the cluster to finish before it fails (standalone). pgBackRest
   * runs one backup at a time; a backup that finds another running retries until this bound.
   * @default Duration.hours(2)
   */
  readonly lockWait?: Duration;
  /**
   * How late a missed schedule may still start (standalone CronJobs' `startingDeadlineSeconds`), e.g. after the
   * controller was down; a run missed by more is skipped.
   * @default Duration.minutes(30)
   */
  readonly startingDeadline?: Duration;
  /**
   * Priority class of backup pods, so that they are scheduled (or not preempted) when the cluster is full.
   * @default - none
   */
  readonly priorityClassName?: string;
  /**
   * Which instance scheduled and manual backups read from (`backup-standby`). The first backup, which the replicas
   * are created from, is always read from the primary: no standby runs yet.
   * @default BackupSource.PRIMARY
   */
  readonly source?: BackupSource;
}

/**
 * Settings of the repo host: the pod that mounts the volume repos and serves them to the instances over pgBackRest's
 * TLS. It exists only when a repo is a volume.
 */
export interface RepoHostOptions {
  /**
   * CPU and memory of the pgBackRest server.
   * @default - standalone: 100m CPU and 128 MiB requested, 512 MiB memory limit; operator: none set, IVYO's own
   */
  readonly resources?: ContainerResources;
  /**
   * Priority class of the repo host pod, so that it is scheduled (or not preempted) when the cluster is full.
   * @default - none
   */
  readonly priorityClassName?: string;
}

/**
 * Options that only the standalone target uses: where its TLS certificates come from, which user its pods run as
 * and the Kubernetes cluster's DNS domain. The operator target ignores them (IVYO decides these itself).
 */
export interface StandaloneOptions {
  /**
   * Certificates for pgBackRest's TLS server and PostgreSQL's TLS; use `TlsCertificates.fromSecrets` where
   * cert-manager is not installed.
   * @default TlsCertificates.certManager()
   */
  readonly tls?: TlsCertificates;
  /**
   * User id the pods run as (also their group id). Any uid works, with or without a passwd entry in the image: the
   * IvorySQL containers name it through nss_wrapper, and the superuser is `ivorysql` under every uid.
   * @default 998, the images' `ivorysql` user
   */
  readonly runAsUser?: number;
  /**
   * Group that owns the volumes (`fsGroup`), so that the pods can write to them.
   * @default 998
   */
  readonly fsGroup?: number;
  /**
   * Leave `runAsUser`, `runAsGroup` and `fsGroup` unset, for platforms that assign them: OpenShift's restricted
   * SCC refuses pods that ask for ids outside the namespace's range and gives them an arbitrary uid with gid 0.
   * @default false
   */
  readonly userFromPlatform?: boolean;
  /**
   * The Kubernetes cluster's DNS domain, used in the host names pgBackRest connects to and in the certificates;
   * change it only when your Kubernetes cluster uses another domain.
   * @default cluster.local
   */
  readonly clusterDomain?: string;
  /**
   * DANGEROUS: let the primary `initdb` a new, empty database on an empty data volume even when the repos hold this
   * cluster's stanza (its backups), or cannot be read.
   *
   * By default an empty data volume on the primary (a lost PVC, a recreated namespace) is never silently a new
   * database: the bootstrap container asks the repos first, rebuilds the primary from their newest backup (recovering
   * all archived WAL) when the stanza has backups, and fails with the reason when a repo cannot be read or has the
   * stanza with no backup. With this set, it creates the database as configured instead: the new database is not
   * the one in the repos, pgBackRest refuses to archive it into the existing stanza (its system id differs), and
   * replicas restored from the repos are of the old database. Set it only to abandon what the repos hold, and give
   * the repos a new path (or delete the stanza) with it.
   * @default false
   */
  readonly initdbOverExistingStanza?: boolean;
  /**
   * Who may connect to PostgreSQL (the instances' NetworkPolicy): pods of other namespaces, pods with given labels,
   * address blocks. The list replaces the default; the instances always admit each other for replication.
   * @default [ClientAccess.sameNamespace()]
   */
  readonly clientAccess?: ClientAccess[];
}
