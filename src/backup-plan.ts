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

/**
 * The cluster's backup schedules analysed together.
 */
export class BackupPlan {
  /** @internal */
  public static _analyse(model: ClusterModel, options: BackupPlanOptions): BackupPlan {
    return new BackupPlan(model, options);
  }

  private readonly scheduled: ScheduledBackup[];

  private constructor(model: ClusterModel, _options: BackupPlanOptions) {
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
            `starts at the same minute as ${a.field} (${JSON.stringify(a.cron)}), e.g. ${when}: `
            + 'pgBackRest runs one backup of a cluster at a time, so one of them would fail or wait; move one of them');
        }
      }
    }
  }
}

/**
 * When both schedules start a backup at the same minute, an example of such a wall-clock time ("2026-01-04 01:00
 * UTC"); undefined when they never do. Schedules in one zone are compared field by field (every date falls on every
 * weekday within 28 years, so this is exact); schedules in different zones are walked minute by minute over a year.
 */
function firstCommonStart(a: ScheduledBackup, b: ScheduledBackup): string | undefined {
  const start = Date.UTC(2026, 0, 1);
  if (a.timeZone !== b.timeZone) {
    const end = start + 366 * 86_400_000;
    const runsA = new Set(runsBetween(a.parsed, start, end, a.timeZone));
    const common = runsBetween(b.parsed, start, end, b.timeZone).find(t => runsA.has(t));
    return common === undefined ? undefined : `${new Date(common).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
  const hour = a.parsed.hours.findIndex((v, h) => v && b.parsed.hours[h]);
  const minute = a.parsed.minutes.findIndex((v, m) => v && b.parsed.minutes[m]);
  if (hour < 0 || minute < 0) return undefined;
  // The calendar repeats every 28 years (within a century): walk its days for one both schedules run on.
  for (let day = 0; day < 28 * 366; day++) {
    const d = new Date(start + day * 86_400_000);
    const month = d.getUTCMonth() + 1;
    const dom = d.getUTCDate();
    const dow = d.getUTCDay();
    if (a.parsed.months[month] && b.parsed.months[month] && dayMatches(a.parsed, dom, dow) && dayMatches(b.parsed, dom, dow)) {
      return `${d.toISOString().slice(0, 10)} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} ${a.timeZone}`;
    }
  }
  return undefined;
}

function dayMatches(c: ParsedCron, day: number, weekday: number): boolean {
  const dom = c.daysOfMonth[day];
  const dow = c.daysOfWeek[weekday];
  return c.dayStar ? dom && dow : dom || dow;
}
