/**
 * When a backup is late: for each repo and backup type, the longest time the declared schedules leave between two
 * backups that count, plus the longest such backup's expected duration, plus the grace. pgMonitor's "last diff"
 * counts fulls and "last incr" counts every type, so each threshold is taken over the union of the schedules that
 * count for it. The gap is measured over two whole years in the schedule's zone, so that DST changes (a skipped
 * 02:30 makes a 47-hour gap in Europe/Berlin) and monthly or yearly schedules are all seen.
 */
import { ScheduledBackup } from './simulation';
import { BackupType } from '../../backup-type';
import { runsBetween } from '../cron/cron';

/** The types whose backups reset each metric: a full is also the newest differential and incremental. */
export const COUNTED_TYPES: { [type: string]: BackupType[] } = {
  [BackupType.FULL]: [BackupType.FULL],
  [BackupType.DIFFERENTIAL]: [BackupType.FULL, BackupType.DIFFERENTIAL],
  [BackupType.INCREMENTAL]: [BackupType.FULL, BackupType.DIFFERENTIAL, BackupType.INCREMENTAL],
};

/** One threshold: the repo, the metric's backup type, and the figures it is made of (seconds). */
export interface Threshold {
  readonly repoName: string;
  readonly repoIndex: number;
  readonly backupType: BackupType;
  /** The schedules that count, as `field: "cron" (zone)`. */
  readonly schedules: string[];
  /** The same, as the report shows them: `` `cron` (zone) ``. */
  readonly crons: string[];
  readonly longestGap: number;
  readonly expectedDuration: number;
  readonly grace: number;
  readonly threshold: number;
}

const HORIZON_START = Date.UTC(2026, 0, 1);
const HORIZON_END = Date.UTC(2028, 0, 1);
const LONG_HORIZON_END = Date.UTC(2034, 0, 1);

/**
 * A threshold per repo and scheduled backup type: a type gets one when the repo schedules it (a repo that schedules
 * only fulls is watched only for fulls, though a full would also reset its diff and incr metrics).
 */
export function backupThresholds(schedules: readonly ScheduledBackup[], graceSeconds: number): Threshold[] {
  const out: Threshold[] = [];
  const repos = [...new Set(schedules.map(s => s.repo))].sort((a, b) => a.index - b.index);
  for (const repo of repos) {
    const own = schedules.filter(s => s.repo === repo);
    for (const type of [BackupType.FULL, BackupType.DIFFERENTIAL, BackupType.INCREMENTAL]) {
      if (!own.some(s => s.backupType === type)) continue;
      const counted = own.filter(s => COUNTED_TYPES[type].includes(s.backupType));
      const longestGap = longestGapOf(counted) / 1000;
      const expectedDuration = Math.max(...counted.map(s => s.duration)) / 1000;
      out.push({
        repoName: repo.name,
        repoIndex: repo.index,
        backupType: type,
        schedules: counted.map(s => `${s.field}: ${JSON.stringify(s.cron)} (${s.timeZone})`),
        crons: counted.map(s => `\`${s.cron}\` (${s.timeZone})`),
        longestGap,
        expectedDuration,
        grace: graceSeconds,
        threshold: Math.ceil(longestGap + expectedDuration + graceSeconds),
      });
    }
  }
  return out;
}

/**
 * The longest time between consecutive runs of `schedules` together. Two years hold every weekday and DST pattern of
 * a schedule that runs at least yearly; one that runs less often (29 February) is walked over eight.
 */
function longestGapOf(schedules: readonly ScheduledBackup[]): number {
  const runsUntil = (end: number) => schedules.flatMap(s => runsBetween(s.parsed, HORIZON_START, end, s.timeZone)).sort((a, b) => a - b);
  let runs = runsUntil(HORIZON_END);
  if (runs.length < 3) runs = runsUntil(LONG_HORIZON_END);
  if (runs.length < 2) return LONG_HORIZON_END - HORIZON_START;
  let gap = 0;
  for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i] - runs[i - 1]);
  return gap;
}
