import { Duration, Size } from 'cdk8s';
import { PgBackRestVersion } from './pgbackrest-version';
import { defaultWalCompression, ResolvedImageBuild, walCompressionRefusal } from './private/postgres/engine';
import { checkInteger, Problems } from './private/validation';

/** pgBackRest compression types. */
export enum CompressionType {
  /** No compression. */
  NONE = 'none',
  /** gzip, pgBackRest's default. */
  GZ = 'gz',
  /** LZ4: the fastest, larger output. */
  LZ4 = 'lz4',
  /** Zstandard: nearly as fast as LZ4 at low levels, much smaller output. */
  ZST = 'zst',
  /** bzip2: small and slow. */
  BZ2 = 'bz2',
}

const LEVELS: { [type: string]: [number, number] } = {
  [CompressionType.GZ]: [-1, 9],
  [CompressionType.LZ4]: [-5, 12],
  [CompressionType.ZST]: [-7, 22],
  [CompressionType.BZ2]: [1, 9],
};

/**
 * pgBackRest performance settings. Every default is chosen for speed without risking data, and depends on the
 * pgBackRest version; both targets render the same options.
 */
export interface PgBackRestTuningProps {
  /**
   * Compression of backups and archived WAL (`compress-type`). zst at level 1 compresses about as fast as lz4
   * while its output stays close to gzip's, so backups are CPU-light and the repo small.
   * @default CompressionType.ZST
   */
  readonly compressType?: CompressionType;
  /**
   * Compression level (`compress-level`).
   * @default 1 for zst and lz4, pgBackRest's default otherwise
   */
  readonly compressLevel?: number;
  /**
   * Parallel processes for backup and restore (`process-max`).
   * @default - the backup job's CPU (limit, else request), rounded down, at least 1
   */
  readonly processMax?: number;
  /**
   * Asynchronous WAL archiving (`archive-async`) with the spool on the data volume: one process pushes every ready
   * segment, `process-max` at a time, so archiving keeps up with bursts of WAL, and a healthy repo gets each segment
   * even while another fails. (archive_command still returns only once the segment is in every repo, or failed.)
   * @default true
   */
  readonly archiveAsync?: boolean;
  /**
   * How long a backup waits, at its start and its end, for the WAL segment it needs to be in the repo, and how long
   * `archive-push` waits for the asynchronous process (`archive-timeout`). pgBackRest's own 60 s fails backups whenever
   * archiving merely lags: after three failed attempts PostgreSQL's archiver waits up to 60 s before trying again,
   * and one slow request to a repo can take `io-timeout` (60 s). Five minutes covers a full such cycle with room.
   * @default Duration.minutes(5)
   */
  readonly archiveTimeout?: Duration;
  /**
   * Most WAL queued for archiving before pgBackRest drops it to protect the disk (`archive-push-queue-max`). When
   * it is exceeded, WAL is discarded and point-in-time recovery has a gap until the next backup; the database keeps running.
   * @default - half of the smallest data (or WAL) volume
   */
  readonly archivePushQueueMax?: Size;
  /**
   * Bundle small files into larger repo objects (`repo-bundle`): far fewer requests to object stores.
   * @default true
   */
  readonly repoBundle?: boolean;
  /**
   * Block incremental backups (`repo-block`): changed blocks instead of changed files. Generally available from
   * pgBackRest 2.46; beta before, so off there.
   * @default true from 2.46
   */
  readonly blockIncremental?: boolean;
  /**
   * Start manual and bootstrap backups with an immediate checkpoint (`start-fast`) instead of waiting for the next one.
   * @default true
   */
  readonly startFastManual?: boolean;
  /**
   * PostgreSQL's `wal_compression`: full-page images in WAL are compressed, so there is less WAL to write, archive
   * and replay (mostly after checkpoints, when every first change of a page logs the whole page). `lz4` and `zstd`
   * need an image built with them (`imageBuild`; IVYO 5.4's image has neither); set `off` to leave WAL uncompressed.
   * @default - lz4 where the image has it (PostgreSQL 15+), else pglz; on before PostgreSQL 15
   */
  readonly walCompression?: string;
}

/** Resolved tuning options, rendered into `[global]`. @internal */
export interface ResolvedTuning {
  readonly global: { [option: string]: string };
  /** PostgreSQL parameters the tuning sets. */
  readonly postgres: { [parameter: string]: string };
  /** Options every repo gets, without the `repoN-` prefix (`bundle`, `block`). */
  readonly perRepo: { [option: string]: string };
  readonly archiveAsync: boolean;
  readonly startFastManual: boolean;
}

/** pgBackRest's own defaults, the same as IVYO's generated config: used as the benchmark baseline. */
export const PGBACKREST_DEFAULTS: PgBackRestTuningProps = {
  compressType: CompressionType.GZ,
  compressLevel: 6,
  processMax: 1,
  archiveAsync: false,
  repoBundle: false,
  blockIncremental: false,
  startFastManual: false,
  walCompression: 'off',
  archiveTimeout: Duration.minutes(1),
};

/** @internal */
export function resolveTuning(props: PgBackRestTuningProps, version: PgBackRestVersion, jobCpu: number, smallestVolumeBytes: number,
  postgresVersion: number, build: ResolvedImageBuild): ResolvedTuning {
  const compressType = props.compressType ?? CompressionType.ZST;
  const compressLevel = props.compressLevel ?? (compressType === CompressionType.ZST || compressType === CompressionType.LZ4 ? 1 : undefined);
  const processMax = props.processMax ?? Math.max(1, Math.floor(jobCpu));
  const archiveAsync = props.archiveAsync ?? true;
  const repoBundle = props.repoBundle ?? true;
  const blockIncremental = props.blockIncremental ?? (repoBundle && version.atLeast(2, 46));
  const global: { [option: string]: string } = {
    'archive-timeout': String((props.archiveTimeout ?? Duration.minutes(5)).toSeconds()),
    'compress-type': compressType,
    'process-max': String(processMax),
  };
  if (compressLevel !== undefined && compressType !== CompressionType.NONE) global['compress-level'] = String(compressLevel);
  const perRepo: { [option: string]: string } = {};
  if (repoBundle) perRepo.bundle = 'y';
  if (blockIncremental) perRepo.block = 'y';
  if (archiveAsync) {
    global['archive-async'] = 'y';
    const queueMax = props.archivePushQueueMax?.toKibibytes();
    global['archive-push-queue-max'] = String(queueMax !== undefined ? Math.floor(queueMax * 1024) : Math.floor(smallestVolumeBytes / 2));
  }
  const postgres = { wal_compression: props.walCompression ?? defaultWalCompression(postgresVersion, build) };
  return { global, perRepo, postgres, archiveAsync, startFastManual: props.startFastManual ?? true };
}

/** @internal */
export function validateTuning(problems: Problems, field: string, props: PgBackRestTuningProps, version: PgBackRestVersion,
  postgresVersion: number, build: ResolvedImageBuild): void {
  if (props.compressType !== undefined && !Object.values(CompressionType).includes(props.compressType)) {
    problems.add(`${field}.compressType`, props.compressType, `must be one of ${Object.values(CompressionType).join(', ')}`);
  }
  const type = props.compressType ?? CompressionType.ZST;
  if (props.compressLevel !== undefined) {
    const range = LEVELS[type];
    if (!range) {
      problems.add(`${field}.compressLevel`, props.compressLevel, `compressType ${type} has no level`);
    } else {
      checkInteger(problems, `${field}.compressLevel`, props.compressLevel, range[0], range[1]);
    }
  }
  if (props.processMax !== undefined) checkInteger(problems, `${field}.processMax`, props.processMax, 1, 999);
  if (props.blockIncremental === true && props.repoBundle === false) {
    problems.add(`${field}.blockIncremental`, true, 'block incremental needs repoBundle');
  }
  if (props.blockIncremental === true && !version.atLeast(2, 46)) {
    problems.add(`${field}.blockIncremental`, true, `is beta in pgBackRest ${version} (generally available from 2.46)`);
  }
  if (props.walCompression !== undefined) {
    const refusal = walCompressionRefusal(props.walCompression, postgresVersion, build);
    if (refusal) problems.add(`${field}.walCompression`, props.walCompression, refusal);
  }
  if (props.archiveTimeout !== undefined && !(props.archiveTimeout instanceof Duration && props.archiveTimeout.toSeconds() >= 1
    && props.archiveTimeout.toSeconds() <= 86400 && Number.isInteger(props.archiveTimeout.toSeconds()))) {
    problems.add(`${field}.archiveTimeout`, props.archiveTimeout instanceof Duration ? `${props.archiveTimeout.toSeconds()}s` : props.archiveTimeout,
      'must be a Duration of whole seconds from 1 second to 1 day (pgBackRest\'s range)');
  }
  if (props.archivePushQueueMax !== undefined && !(props.archivePushQueueMax instanceof Size && props.archivePushQueueMax.toKibibytes() >= 1)) {
    problems.add(`${field}.archivePushQueueMax`, props.archivePushQueueMax, 'must be a cdk8s Size of at least 1 KiB');
  }
}
