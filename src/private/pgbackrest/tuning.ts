/** How the tuning props become pgBackRest options and PostgreSQL parameters, and which values are refused. */
import { Duration, Size } from 'cdk8s';
import { CompressionType, PgBackRestTuningProps } from '../../pgbackrest-tuning';
import { PgBackRestVersion } from '../../pgbackrest-version';
import { defaultWalCompression, ResolvedImageBuild, walCompressionRefusal } from '../postgres/engine';
import { checkInteger, Problems } from '../validation';

const LEVELS: { [type: string]: [number, number] } = {
  [CompressionType.GZ]: [-1, 9],
  [CompressionType.LZ4]: [-5, 12],
  [CompressionType.ZST]: [-7, 22],
  [CompressionType.BZ2]: [1, 9],
};

/** Resolved tuning options, rendered into `[global]`. */
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

/** */
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

/** */
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
