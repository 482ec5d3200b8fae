import { Duration, Size } from 'cdk8s';

/** pgBackRest compression types (`compress-type`) of backups and archived WAL: CPU time against repo size. */
export enum CompressionType {
  /** No compression, e.g. for data that does not compress. */
  NONE = 'none',
  /** gzip, pgBackRest's default (and IVYO's): slower than zst at level 1, for output of about the same size. */
  GZ = 'gz',
  /** LZ4: the fastest, larger output. */
  LZ4 = 'lz4',
  /** Zstandard: nearly as fast as LZ4 at low levels, much smaller output; this library's default. */
  ZST = 'zst',
  /** bzip2: small and slow. */
  BZ2 = 'bz2',
}

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
   * Compression level (`compress-level`): higher is smaller and slower. Not taken with `CompressionType.NONE`.
   * @default 1 for zst and lz4, pgBackRest's default otherwise
   */
  readonly compressLevel?: number;
  /**
   * Parallel processes for backup and restore (`process-max`): more finish sooner, with more CPU.
   * @default - the backup job's CPU (limit, else request), rounded down, at least 1: 2 with the default resources
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
   * pgBackRest 2.46; beta before, so off there. Needs `repoBundle`.
   * @default - true from pgBackRest 2.46 with `repoBundle`, else false
   */
  readonly blockIncremental?: boolean;
  /**
   * Start manual backups with an immediate checkpoint (`--start-fast`) instead of waiting for the next one, so
   * that they begin at once. (The standalone target's first backup, which replicas are created from, always starts
   * fast.)
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

