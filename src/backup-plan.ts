import { BACKUP_TYPES, BackupType, SCHEDULE_FIELD } from './backup-schedule';
import { ClusterModel, ResolvedRepo } from './cluster-model';
import { parseCron, ParsedCron, runsBetween } from './cron';
import { Problems } from './validation';

/** Options of the backup plan analysis. */
export interface BackupPlanOptions {}

/** One scheduled backup type of one repo. */
interface ScheduledBackup {
  readonly repo: ResolvedRepo;
  readonly backupType: BackupType;
  readonly cron: string;
  readonly parsed: ParsedCron;
  readonly timeZone: string;
  readonly field: string;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The cluster's backup schedules analysed together.
 */
export class BackupPlan {
  private readonly scheduled: ScheduledBackup[];

  constructor(model: ClusterModel, _options: BackupPlanOptions) {
    this.scheduled = [];
    for (const repo of model.repos) {
      const schedule = repo.repo.schedule;
      if (!schedule) continue;
      for (const backupType of BACKUP_TYPES) {
        const cron = schedule.cronFor(backupType);
        if (cron === undefined) continue;
        this.scheduled.push({
          repo,
          backupType,
          cron,
          parsed: parseCron(cron),
          timeZone: schedule.timeZone ?? 'UTC',
          field: `${repo.field}.schedule.${SCHEDULE_FIELD[backupType]}`,
        });
      }
    }
  }

  /** @internal */
  public _validate(problems: Problems, _field: string): void {
    for (let i = 0; i < this.scheduled.length; i++) {
      for (let j = i + 1; j < this.scheduled.length; j++) {
        const a = this.scheduled[i];
        const b = this.scheduled[j];
        const when = firstCommonStart(a, b);
        if (when !== undefined) {
          problems.add(b.field, b.cron,
            `starts at the same minute as ${a.field} (${JSON.stringify(a.cron)}), e.g. ${new Date(when).toISOString().slice(0, 16).replace('T', ' ')} UTC: `
            + 'pgBackRest runs one backup of a cluster at a time, so one of them would fail or wait; move one of them');
        }
      }
    }
  }
}

/**
 * The first instant both schedules start a backup, if they ever do. Schedules in one zone are compared field by
 * field (every date falls on every weekday within 28 years, so this is exact); different zones are walked over a year.
 */
function firstCommonStart(a: ScheduledBackup, b: ScheduledBackup): number | undefined {
  const start = Date.UTC(2026, 0, 1);
  if (a.timeZone !== b.timeZone) {
    const end = start + 366 * 86_400_000;
    const runsA = new Set(runsBetween(a.parsed, start, end, a.timeZone));
    return runsBetween(b.parsed, start, end, b.timeZone).find(t => runsA.has(t));
  }
  const hour = a.parsed.hours.findIndex((v, h) => v && b.parsed.hours[h]);
  const minute = a.parsed.minutes.findIndex((v, m) => v && b.parsed.minutes[m]);
  if (hour < 0 || minute < 0) return undefined;
  let possible = false;
  for (let month = 1; month <= 12 && !possible; month++) {
    if (!a.parsed.months[month] || !b.parsed.months[month]) continue;
    for (let day = 1; day <= DAYS_IN_MONTH[month - 1] && !possible; day++) {
      for (let weekday = 0; weekday < 7 && !possible; weekday++) {
        possible = dayMatches(a.parsed, day, weekday) && dayMatches(b.parsed, day, weekday);
      }
    }
  }
  if (!possible) return undefined;
  // A concrete example for the message: the first common run within the year, else a date in a later year.
  const end = start + 366 * 86_400_000;
  const runsA = new Set(runsBetween(a.parsed, start, end, a.timeZone));
  return runsBetween(b.parsed, start, end, b.timeZone).find(t => runsA.has(t)) ?? start;
}

function dayMatches(c: ParsedCron, day: number, weekday: number): boolean {
  const dom = c.daysOfMonth[day];
  const dow = c.daysOfWeek[weekday];
  return c.dayStar ? dom && dow : dom || dow;
}
