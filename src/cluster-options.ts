import { Duration } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-28';
import { TlsCertificates } from './tls-certificates';

/** An external-secrets `SecretStore` or `ClusterSecretStore`. */
export interface ExternalSecretStoreRef {
  /** Its name. */
  readonly name: string;
  /**
   * `SecretStore` or `ClusterSecretStore`.
   * @default SecretStore
   */
  readonly kind?: string;
  /**
   * How often the operator re-reads the store.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

/** Settings of the backup Jobs and CronJobs. */
export interface BackupJobOptions {
  /**
   * CPU and memory of backup Jobs; the CPU also sets pgBackRest's `process-max`.
   * @default - 1 CPU requested, 2 CPU limit, 256 MiB to 1 GiB memory
   */
  readonly resources?: ContainerResources;
  /**
   * Delete finished Jobs after this long (at least 60 seconds for IVYO).
   * @default - kept, pruned by the history limits
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Successful Jobs kept per CronJob (standalone).
   * @default 3
   */
  readonly successfulJobsRetained?: number;
  /**
   * Failed Jobs kept per CronJob (standalone).
   * @default 1
   */
  readonly failedJobsRetained?: number;
  /**
   * Longest a backup Job may run before Kubernetes stops it (standalone).
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
   * How late a missed schedule may still start (standalone).
   * @default Duration.minutes(30)
   */
  readonly startingDeadline?: Duration;
  /**
   * Priority class of backup pods.
   * @default - none
   */
  readonly priorityClassName?: string;
}

/** Settings of the repo host that serves volume repos. */
export interface RepoHostOptions {
  /**
   * CPU and memory of the pgBackRest server.
   * @default - 100m CPU and 128 MiB requested, 512 MiB memory limit
   */
  readonly resources?: ContainerResources;
  /**
   * Priority class of the repo host pod.
   * @default - none
   */
  readonly priorityClassName?: string;
}

/** Options that only the standalone target uses. */
export interface StandaloneOptions {
  /**
   * Certificates for pgBackRest's TLS server and PostgreSQL's TLS.
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
   * Group that owns the volumes.
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
   * The Kubernetes cluster's DNS domain, used in the host names pgBackRest connects to.
   * @default cluster.local
   */
  readonly clusterDomain?: string;
}
