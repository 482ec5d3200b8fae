/**
 * The long-running server containers of the standalone target and their life cycle, in one place: PostgreSQL (how it
 * starts, stops and is probed) and pgBackRest's TLS server (on the instances and the repo host). Both run under
 * `supervise` (scripts.ts): SIGTERM becomes the server's fast stop, and renewed certificates are reloaded by SIGHUP.
 * When Patroni runs the instances, its container replaces `databaseContainer`: Patroni's REST API then answers the
 * probes and its shutdown hands leadership over first.
 */
import { k8s } from 'cdk8s-plus-28';
import { bashCommand, containerSecurityContext, env } from './pod';
import { DATABASE_SCRIPT, PATRONI_SCRIPT, PGBACKREST_SERVER_SCRIPT } from './scripts';
import { PATRONI_DIR, PATRONI_FILES, PATRONI_PORT, PATRONI_PORT_NAME } from '../patroni/config';
import { SOCKET_DIR, TLS_DIR, TLS_SERVER_PORT } from '../pgbackrest/config';
import { POSTGRES_TLS_DIR, REPLICATION_TLS_DIR } from '../postgres/config';

/** How often the supervisor compares the mounted certificates with what the server loaded. */
export const CERT_WATCH_SECONDS = 10;

/**
 * Seconds between SIGTERM and SIGKILL for the instance pods. A fast shutdown takes a checkpoint, which with a large
 * shared_buffers can take a while; the grace leaves it room.
 */
export const INSTANCE_GRACE_SECONDS = 60;

const TLS_FILES = ['ca.crt', 'tls.crt', 'tls.key'];
const certFiles = (dirs: string[]) => dirs.flatMap(d => TLS_FILES.map(f => `${d}/${f}`)).join(' ');

/** The memory-backed /dev/shm of the database container (the runtime's 64 MiB breaks parallel queries). */
export const SHM_VOLUME = 'dshm';
export const SHM_MOUNT: k8s.VolumeMount = { name: SHM_VOLUME, mountPath: '/dev/shm' };

export function shmVolume(size: k8s.Quantity): k8s.Volume {
  return { name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: size } };
}

export interface DatabaseContainerProps {
  readonly image: string;
  readonly port: number;
  /** postgres's arguments. */
  readonly args: string[];
  readonly env: k8s.EnvVar[];
  readonly resources: k8s.ResourceRequirements | undefined;
  readonly volumeMounts: k8s.VolumeMount[];
}

/**
 * PostgreSQL. Probes run pg_isready on the pod's socket (exit 0: accepting, 1: rejecting while it starts, recovers
 * or stops, 2: no answer): startup and liveness need an answer at all, so crash recovery and a long replay are not
 * killed, readiness needs connections accepted.
 */
export function databaseContainer(props: DatabaseContainerProps): k8s.Container {
  const isReady = ['pg_isready', '-q', '-h', SOCKET_DIR, '-p', String(props.port)];
  const answers = ['bash', '-c', `${isReady.join(' ')}; [ $? -le 1 ]`];
  return {
    name: 'database',
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    ...bashCommand(DATABASE_SCRIPT, 'database', props.args),
    env: [
      ...props.env,
      ...env({ STOP_SIGNAL: 'INT', WATCH_SECONDS: String(CERT_WATCH_SECONDS), WATCH_FILES: certFiles([POSTGRES_TLS_DIR, REPLICATION_TLS_DIR]) }),
    ],
    ports: [{ name: 'postgres', containerPort: props.port }],
    // The bootstrap container did the long work (restores); the postmaster answers within seconds of starting.
    startupProbe: { exec: { command: answers }, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 },
    livenessProbe: { exec: { command: answers }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
    readinessProbe: { exec: { command: isReady }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
    securityContext: containerSecurityContext(),
    resources: props.resources,
    volumeMounts: [...props.volumeMounts, SHM_MOUNT],
  };
}

export interface PgBackRestServerProps {
  readonly image: string;
  readonly env: k8s.EnvVar[];
  readonly resources: k8s.ResourceRequirements | undefined;
  readonly volumeMounts: k8s.VolumeMount[];
  /** The repo host is ready when its server answers; an instance's server is not what makes the instance ready. */
  readonly readiness: boolean;
}

export interface PatroniContainerProps {
  readonly image: string;
  readonly port: number;
  readonly env: k8s.EnvVar[];
  readonly resources: k8s.ResourceRequirements | undefined;
  readonly volumeMounts: k8s.VolumeMount[];
  /** Patroni's leader lease and loop, which its probes are timed by (as IVYO times them). */
  readonly leaseSeconds: number;
  readonly loopSeconds: number;
}

/**
 * Patroni, which runs PostgreSQL. Probes ask its REST API (HTTPS; the kubelet presents no client certificate, which
 * `verify_client: optional` allows for these): liveness while its loop runs, readiness while PostgreSQL runs as
 * leader or replica. A member that misses the lease's worth of loops is restarted, as IVYO does. The server's
 * certificates and Patroni's own files are watched: a change is a SIGHUP, on which Patroni re-reads its files,
 * its REST certificate, and reloads PostgreSQL.
 */
export function patroniContainer(props: PatroniContainerProps): k8s.Container {
  const get = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(PATRONI_PORT), scheme: 'HTTPS' } });
  const period = props.loopSeconds;
  const timeout = Math.max(1, Math.floor(props.loopSeconds / 2));
  const failures = Math.max(1, Math.floor(props.leaseSeconds / props.loopSeconds));
  return {
    name: 'database',
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    ...bashCommand(PATRONI_SCRIPT, 'patroni', [PATRONI_DIR]),
    env: [
      ...props.env,
      ...env({
        STOP_SIGNAL: 'TERM',
        WATCH_SECONDS: String(CERT_WATCH_SECONDS),
        WATCH_FILES: [certFiles([POSTGRES_TLS_DIR, REPLICATION_TLS_DIR, TLS_DIR]), `${PATRONI_DIR}/${PATRONI_FILES.cluster}`, `${PATRONI_DIR}/${PATRONI_FILES.set}`].join(' '),
        DYNAMIC_CONFIG: `${PATRONI_DIR}/${PATRONI_FILES.dynamic}`,
      }),
    ],
    ports: [{ name: 'postgres', containerPort: props.port }, { name: PATRONI_PORT_NAME, containerPort: PATRONI_PORT }],
    // Patroni's API answers within seconds of its start, whatever a bootstrap or replica creation then takes.
    startupProbe: { ...get('/liveness'), periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 },
    livenessProbe: { ...get('/liveness'), periodSeconds: period, timeoutSeconds: timeout, failureThreshold: failures },
    readinessProbe: { ...get('/readiness'), periodSeconds: period, timeoutSeconds: timeout, failureThreshold: failures },
    securityContext: containerSecurityContext(),
    resources: props.resources,
    volumeMounts: [...props.volumeMounts, SHM_MOUNT],
  };
}

/** pgBackRest's TLS server: SIGTERM passed on, its certificates reloaded by SIGHUP (2.58 reinitializes its TLS). */
export function pgbackrestServerContainer(props: PgBackRestServerProps): k8s.Container {
  const ping = { exec: { command: ['pgbackrest', 'server-ping'] } };
  return {
    name: 'pgbackrest',
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    ...bashCommand(PGBACKREST_SERVER_SCRIPT, 'pgbackrest-server'),
    env: [...props.env, ...env({ STOP_SIGNAL: 'TERM', WATCH_SECONDS: String(CERT_WATCH_SECONDS), WATCH_FILES: certFiles([TLS_DIR]) })],
    ports: [{ name: 'pgbackrest', containerPort: TLS_SERVER_PORT }],
    livenessProbe: { ...ping, periodSeconds: 30, failureThreshold: 3 },
    ...(props.readiness ? { readinessProbe: { ...ping, periodSeconds: 10 } } : {}),
    securityContext: containerSecurityContext(),
    resources: props.resources,
    volumeMounts: props.volumeMounts,
  };
}
