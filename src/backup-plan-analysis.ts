import { Duration, Yaml } from 'cdk8s';
import { BackupPlanOptions, CollisionPolicy, ExpectedBackupDurations, OperatorSuspend } from './backup-plan-options';
import { BackupRepo } from './backup-repo';
import { BackupSchedule } from './backup-schedule';
import { BackupSource } from './backup-source';
import { BackupType } from './backup-type';
import { PgBackRestVersion } from './pgbackrest-version';
import { parseCron, runsBetween } from './private/cron/cron';
import { shiftCron } from './private/cron/shift';
import { backupRepo, checkArgument, checkInput, list } from './private/input';
import { BACKUP_TYPES, SCHEDULE_FIELD } from './private/model/backup-types';
import { ClusterModel, ResolvedRepo } from './private/model/cluster-model';
import { alertRules, RuleGroup } from './private/monitoring/rules';
import { assignRepoNames, repoIndex } from './private/pgbackrest/layout';
import { validatePlanOptions } from './private/plan/options';
import { renderMarkdown, renderSvg } from './private/plan/report';
import { DAY, findOverlaps, HOUR, MINUTE, Overlap, RepoState, retain, runsOf, ScheduledBackup, simulate, SimulatedBackup } from './private/plan/simulation';
import { backupThresholds, Threshold } from './private/plan/thresholds';
import { WeekRun } from './private/plan/week';
import { Problems, throwValidationError } from './private/validation';


/**
 * Two backups that would run at the same time though pgBackRest cannot run them together, as the backup plan
 * analysis found them (`planAnalysis.collisions`).
 */
export interface BackupCollision {
  /** The schedule field of the backup already running, e.g. `repos[0].schedule.full`. */
  readonly first: string;
  /** Its cron. */
  readonly firstCron: string;
  /** The schedule field of the backup that starts while it runs. */
  readonly second: string;
  /** Its cron. */
  readonly secondCron: string;
  /** The first time it happens, ISO 8601 UTC. */
  readonly at: string;
  /** Minutes they overlap by then. */
  readonly overlapMinutes: number;
}

/** The smallest and largest value over the analysed weeks: numbers that change as backups come and expire. */
export interface ValueRange {
  /** Smallest. */
  readonly min: number;
  /** Largest. */
  readonly max: number;
}

/**
 * What one repo holds at steady state and what it can restore (`planAnalysis.repoSummaries`), e.g. to check in a
 * test that retention gives the recovery window you promise.
 */
/**
 * When a backup of a repo counts as late, and why: the alert `IvoryBackupLate` fires past `thresholdSeconds`. Shown
 * in the report beside the schedules it derives from.
 */
export interface BackupAlertThreshold {
  /** The repo (`repo1`..`repo4`). */
  readonly repoName: string;
  /** The metric's backup type: a full also counts as the newest differential and incremental. */
  readonly backupType: BackupType;
  /** The schedules whose backups count, as `field: "cron" (zone)`. */
  readonly schedules: string[];
  /** The longest time between two of their runs over two years in their zones (DST changes included). */
  readonly longestGapSeconds: number;
  /** The longest expected duration of a backup that counts (backupPlan.expectedDurations). */
  readonly expectedDurationSeconds: number;
  /** monitoring.grace. */
  readonly graceSeconds: number;
  /** Their sum: no backup that counts completed for this long means late. */
  readonly thresholdSeconds: number;
}

export interface RepoPlanSummary {
  /** `repo1`..`repo4`. */
  readonly repoName: string;
  /** Its storage: `volume`, `s3`, `gcs` or `azure`. */
  readonly storage: string;
  /** Full backups kept. */
  readonly fullBackups: ValueRange;
  /** Differential backups kept. */
  readonly differentialBackups: ValueRange;
  /** Incremental backups kept. */
  readonly incrementalBackups: ValueRange;
  /** How far back point-in-time recovery reaches, in hours (the newest point is always now). */
  readonly recoveryWindowHours: ValueRange;
  /** The most backups one restore reads: a full, maybe a differential, and incrementals. */
  readonly longestRestoreChain: number;
  /** When WAL is expired, in words. */
  readonly walExpiry: string;
  /** False when nothing is ever expired, so the numbers keep growing. */
  readonly bounded: boolean;
  /** Explanations of the numbers, pgBackRest's retention semantics included. */
  readonly notes: string[];
  /**
   * True when the repo's schedules are suspended (`BackupScheduleProps.suspended`): no backup starts until they are
   * resumed; the numbers are those of the declared plan, once resumed.
   */
  readonly schedulesSuspended: boolean;
}

/** Options of {@link BackupPlanAnalysis.stagger}: the expected durations, the pgBackRest version and the step. */
export interface StaggerOptions {
  /**
   * Expected durations.
   * @default - see BackupPlanOptions
   */
  readonly expectedDurations?: ExpectedBackupDurations;
  /**
   * The pgBackRest version: from 2.53 backups of different repos may overlap.
   * @default PgBackRestVersion.V2_58
   */
  readonly pgbackrestVersion?: PgBackRestVersion;
  /**
   * Step by which schedules are moved, from 1 minute to 1 day: a larger step keeps start times rounder.
   * @default Duration.minutes(5)
   */
  readonly step?: Duration;
}

/** Schedules moved apart by `BackupPlanAnalysis.stagger`: give `repos` to the cluster instead of the originals. */
export interface StaggerResult {
  /** The repos, with moved schedules where needed, in the same order. */
  readonly repos: BackupRepo[];
  /** What moved, one line per schedule. */
  readonly moves: string[];
}

const DEFAULT_DURATIONS: { [type: string]: number } = {
  [BackupType.FULL]: HOUR,
  [BackupType.DIFFERENTIAL]: 30 * MINUTE,
  [BackupType.INCREMENTAL]: 10 * MINUTE,
};

function durationOf(durations: ExpectedBackupDurations | undefined, type: BackupType): number {
  const d = type === BackupType.FULL ? durations?.full : type === BackupType.DIFFERENTIAL ? durations?.differential : durations?.incremental;
  return d ? d.toSeconds() * 1000 : DEFAULT_DURATIONS[type];
}

function schedulesOf(repos: ResolvedRepo[], durations: ExpectedBackupDurations | undefined): ScheduledBackup[] {
  const out: ScheduledBackup[] = [];
  for (const repo of repos) {
    const schedule = repo.repo.schedule;
    if (!schedule) continue;
    for (const backupType of BACKUP_TYPES) {
      const cron = schedule.cronFor(backupType);
      if (cron === undefined) continue;
      out.push({
        repo,
        backupType,
        cron,
        parsed: parseCron(cron),
        timeZone: schedule.timeZone ?? 'UTC',
        field: `${repo.field}.schedule.${SCHEDULE_FIELD[backupType]}`,
        duration: durationOf(durations, backupType),
      });
    }
  }
  return out;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/**
 * A cluster's backup schedules analysed together, before anything is deployed: backups that would collide on
 * pgBackRest's lock, and per repo what retention keeps at steady state, how far back point-in-time recovery
 * reaches, the longest restore chain and when WAL is expired. Available as `cluster.planAnalysis`, and written as a
 * Markdown report with an SVG timeline of one week at synth (where `BackupPlanReports` says).
 */
export class BackupPlanAnalysis {
  /**
   * Moves schedules apart until no two backups that pgBackRest cannot run together overlap, keeping each schedule's
   * pattern and moving it later by whole steps, at most a day. Returns the repos with their new schedules and what
   * moved (also a schedule it could not move clear); the repos given are unchanged.
   */
  public static stagger(repos: BackupRepo[], options: StaggerOptions = {}): StaggerResult {
    // Checked before any expansion: a step of zero or less would never end the search, a schedule that runs every
    // minute would make each try expand thousands of runs.
    const problems = new Problems();
    repos = checkArgument(problems, 'repos', repos, list(backupRepo, 'BackupRepos')) ?? [];
    options = checkInput(problems, 'StaggerOptions', options, 'options');
    if (repos.length > 4) problems.add('repos', `${repos.length} repos`, 'a cluster has at most 4 repos');
    if (options.step !== undefined && !(options.step.toSeconds() >= 60 && options.step.toSeconds() <= 86400)) {
      problems.add('options.step', `Duration of ${options.step.toHumanString()}`, 'must be from 1 minute to 1 day, in whole minutes');
    }
    validatePlanOptions(problems, 'options', { expectedDurations: options.expectedDurations });
    const version = options.pgbackrestVersion ?? PgBackRestVersion.V2_58;
    repos.forEach((repo, i) => repo._validate(problems, `repos[${i}]`, version));
    if (!problems.isEmpty) throwValidationError('BackupPlanAnalysis.stagger', problems.messages);
    const step = (options.step ?? Duration.minutes(5)).toSeconds() * 1000;
    const resolved = positionalRepos(repos);
    const all = schedulesOf(resolved, options.expectedDurations)
      .sort((a, b) => BACKUP_TYPES.indexOf(a.backupType) - BACKUP_TYPES.indexOf(b.backupType) || a.repo.index - b.repo.index);
    const start = Date.UTC(2026, 0, 5);
    const end = start + 35 * DAY;
    const placed: ScheduledBackup[] = [];
    const moves: string[] = [];
    const crons = new Map<ResolvedRepo, { [type: string]: string }>();
    for (const s of all) {
      let chosen: ScheduledBackup | undefined;
      let reason = '';
      for (let shift = 0; shift < DAY && !chosen; shift += step) {
        const cron = shift === 0 ? s.cron : shiftCron(s.cron, shift / MINUTE);
        if (cron === undefined) continue;
        const candidate: ScheduledBackup = { ...s, cron, parsed: parseCron(cron) };
        const overlaps = findOverlaps([...placed, candidate], start, end, version.atLeast(2, 53))
          .filter(o => o.first === candidate || o.second === candidate);
        if (overlaps.length === 0) chosen = candidate;
        else if (!reason) reason = (overlaps[0].first === candidate ? overlaps[0].second : overlaps[0].first).field;
      }
      if (!chosen) {
        moves.push(`${s.field}: "${s.cron}" could not be moved clear of ${reason} within a day; left as it is`);
        chosen = s;
      } else if (chosen.cron !== s.cron) {
        moves.push(`${s.field}: "${s.cron}" -> "${chosen.cron}" (it overlapped ${reason})`);
      }
      placed.push(chosen);
      crons.set(s.repo, { ...crons.get(s.repo), [s.backupType]: chosen.cron });
    }
    const out = repos.map(repo => {
      const r = resolved.find(x => x.repo === repo);
      const c = r && crons.get(r);
      if (!c || !repo.schedule) return repo;
      return repo.withSchedule(new BackupSchedule({
        full: c[BackupType.FULL] ?? repo.schedule.full,
        differential: c[BackupType.DIFFERENTIAL] ?? repo.schedule.differential,
        incremental: c[BackupType.INCREMENTAL] ?? repo.schedule.incremental,
        timeZone: repo.schedule.timeZone,
        suspended: repo.schedule.suspended,
      }));
    });
    return { repos: out, moves };
  }

  /** @internal */
  public static _analyse(model: ClusterModel, options: BackupPlanOptions): BackupPlanAnalysis {
    return new BackupPlanAnalysis(model, options);
  }

  /** The cluster's name. */
  public readonly clusterName: string;
  /** The cluster's namespace. */
  public readonly namespace: string;
  /**
   * Backups that would run at the same time though pgBackRest cannot run them together, with the expected
   * durations; empty when the schedules fit.
   */
  public readonly collisions: BackupCollision[];
  /** How collisions are treated at synth (`backupPlan.collisions`). */
  public readonly collisionPolicy: CollisionPolicy;
  /** Which instance the scheduled and manual backups read from (`backupJobs.source`). */
  public readonly backupSource: BackupSource;
  /**
   * False when this cluster opted out of its report (`writeReport: false`). Whether and where a report is written
   * also depends on the app's settings (BackupPlanReports).
   */
  public readonly writeReport: boolean;
  /** @internal */
  public readonly _schedules: ScheduledBackup[];
  /** @internal */
  public readonly _weekStart: number;
  /** @internal */
  public readonly _concurrentRepos: boolean;
  /**
   * True for the operator target: IVYO's CronJobs have no time zone, so they follow the kube-controller-manager's.
   * @internal
   */
  public readonly _controllerZone: boolean;
  /**
   * True for the operator target with `operatorSuspend: OMIT_SCHEDULES`: suspended schedules are not in the
   * IvoryCluster, and IVYO has deleted their CronJobs.
   * @internal
   */
  public readonly _suspendedOmitted: boolean;
  private readonly overlaps: Overlap[];
  private readonly model: ClusterModel;
  private simulation?: { summaries: RepoPlanSummary[]; week: WeekRun[] };
  private thresholds?: Threshold[];

  private constructor(model: ClusterModel, options: BackupPlanOptions) {
    this.clusterName = model.name;
    this.namespace = model.namespace;
    this.collisionPolicy = options.collisions ?? CollisionPolicy.ERROR;
    this.backupSource = model.backupSource;
    this.writeReport = options.writeReport ?? true;
    this._concurrentRepos = model.version.atLeast(2, 53);
    this._controllerZone = model.target === 'operator';
    this._suspendedOmitted = this._controllerZone && options.operatorSuspend === OperatorSuspend.OMIT_SCHEDULES;
    this._schedules = schedulesOf(model.repos, options.expectedDurations);
    const weekStart = parseWeek(options.weekStarting);
    this._weekStart = weekStart;
    this.model = model;
    // Schedules that repeat every week (no day-of-month or month, UTC) collide within a week if ever: check 8 days.
    const weekly = this._schedules.every(s => s.timeZone === 'UTC' && /^[*?]$/.test(s.cron.trim().split(/\s+/)[2] ?? '')
      && (s.cron.trim().split(/\s+/)[3] ?? '') === '*') && this._schedules.every(s => !s.cron.startsWith('@') || /^@(daily|midnight|hourly|weekly)$/.test(s.cron));
    const horizon = options.horizon ? options.horizon.toSeconds() * 1000 : weekly ? 8 * DAY : 35 * DAY;
    this.overlaps = findOverlaps(this._schedules, weekStart, weekStart + horizon, this._concurrentRepos);
    this.collisions = this.overlaps.map(o => ({
      first: o.first.field,
      firstCron: o.first.cron,
      second: o.second.field,
      secondCron: o.second.cron,
      at: new Date(o.at).toISOString(),
      overlapMinutes: o.minutes,
    }));

  }

  /**
   * Per repo and scheduled backup type: when a backup is late (computed on first use). A suspended schedule has none:
   * it starts no backup that could be late.
   */
  public get alertThresholds(): BackupAlertThreshold[] {
    return this._thresholds.map(t => ({
      repoName: t.repoName,
      backupType: t.backupType,
      schedules: t.schedules,
      longestGapSeconds: t.longestGap,
      expectedDurationSeconds: t.expectedDuration,
      graceSeconds: t.grace,
      thresholdSeconds: t.threshold,
    }));
  }

  /** @internal */
  public get _thresholds(): Threshold[] {
    // A suspended schedule starts no backup, so none of its backups can be late (IvoryBackupLate).
    this.thresholds ??= backupThresholds(this._schedules.filter(s => !s.repo.repo.schedule?.suspended), this.model.monitoring.grace);
    return this.thresholds;
  }

  /**
   * The cluster's alert rules as a Prometheus rule file (YAML with `groups:`), for a Prometheus without
   * prometheus-operator (`monitoring.alerts: false`): the same groups as the PrometheusRule's `spec`.
   */
  public toRuleFile(): string {
    return Yaml.stringify({ groups: this._alertRules });
  }

  /** The alert rules of the cluster, as Prometheus rule groups. @internal */
  public get _alertRules(): RuleGroup[] {
    return alertRules(this.model, this._thresholds);
  }

  /** Per repo: what is kept and what can be restored (simulated on first use). */
  public get repoSummaries(): RepoPlanSummary[] {
    return this.simulate().summaries;
  }

  /** @internal */
  public get _week(): WeekRun[] {
    return this.simulate().week;
  }

  /** Runs the backups and pgBackRest's expire until retention is steady, then over two full-backup cycles. */
  private simulate(): { summaries: RepoPlanSummary[]; week: WeekRun[] } {
    if (!this.simulation) {
      const warmUp = warmUpFor(this.model.repos, this._schedules);
      const fullGap = maxGap(this._schedules.filter(s => s.backupType === BackupType.FULL)) ?? 7 * DAY;
      const measure = Math.max(14 * DAY, 2 * fullGap);
      const from = this._weekStart;
      const backups = simulate(this._schedules, from - warmUp, from + measure, this._concurrentRepos);
      this.simulation = {
        summaries: this.model.repos.map(repo => summarise(repo, backups, from, from + measure)),
        week: this.weekRuns(backups),
      };
    }
    return this.simulation;
  }

  /** The report as Markdown, as written to `<namespace>.<cluster>.backup-plan.md`. */
  public toMarkdown(): string {
    return renderMarkdown(this);
  }

  /** A timeline of the analysed week as SVG: a lane per repo, a colour per backup type, collisions marked. */
  public toSvg(): string {
    return renderSvg(this);
  }

  private weekRuns(backups: SimulatedBackup[]): WeekRun[] {
    const end = this._weekStart + 7 * DAY;
    const week = backups.filter(b => b.stop > this._weekStart && b.scheduled < end);
    const colliding = new Set(this.overlaps.flatMap(o => [o.first, o.second]));
    const conflict = (a: SimulatedBackup, b: SimulatedBackup) => a !== b
      && (!this._concurrentRepos || a.schedule.repo.name === b.schedule.repo.name)
      && a.scheduled < b.scheduled + b.schedule.duration && b.scheduled < a.scheduled + a.schedule.duration;
    return week.map(b => ({
      repoName: b.schedule.repo.name,
      backupType: b.backupType,
      scheduled: b.scheduled,
      start: b.start,
      stop: b.stop,
      collides: colliding.has(b.schedule) && week.some(x => colliding.has(x.schedule) && conflict(x, b)),
    }));
  }

  /** @internal */
  public _validate(problems: Problems, _field: string): void {
    // Two schedules that start at the same minute are always refused, whatever the durations.
    for (let i = 0; i < this._schedules.length; i++) {
      for (let j = i + 1; j < this._schedules.length; j++) {
        const [a, b] = [this._schedules[i], this._schedules[j]];
        const when = firstCommonStart(a, b);
        if (when !== undefined) {
          problems.add(b.field, b.cron,
            `starts at the same minute as ${a.field} (${JSON.stringify(a.cron)}), e.g. ${when}: `
            + 'pgBackRest runs one backup of a cluster at a time, so one of them would fail or wait; move one of them');
        }
      }
    }
    if (!problems.isEmpty) return;
    if (this.collisionPolicy === CollisionPolicy.ERROR) {
      for (const o of this.overlaps) {
        problems.add(o.second.field, o.second.cron,
          `starts at ${iso(o.at)} while ${o.first.field} (${JSON.stringify(o.first.cron)}) is expected to run (${o.minutes} min overlap with the expected durations)`
          + `${this._concurrentRepos ? ' on the same repo' : '; before pgBackRest 2.53 a cluster takes one backup at a time'}`
          + '. Move it (BackupPlanAnalysis.stagger() can), give expectedDurations that fit, or set backupPlan.collisions to WARN');
      }
    } else if (this.collisionPolicy === CollisionPolicy.WARN) {
      for (const c of this.collisions) {
        process.stderr.write(`warning: ${this.namespace}/${this.clusterName}: ${c.second} (${c.secondCron}) overlaps ${c.first} (${c.firstCron}) at ${c.at}\n`);
      }
    }
  }
}

function parseWeek(week: string | undefined): number {
  const text = week ?? '2026-01-05';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // An invalid value falls back to the default; IvoryCluster reports it with the field name.
  return Number.isNaN(t) ? Date.UTC(2026, 0, 5) : t;
}

/** Repos named as the cluster would name them, for code that has only the BackupRepo list. */
function positionalRepos(repos: BackupRepo[]): ResolvedRepo[] {
  const names = assignRepoNames(repos.map(r => r.requestedName));
  return repos.slice(0, 4).map((repo, i) => {
    const name = names[i] ?? `repo${i + 1}`;
    return { name, index: repoIndex(name), repo, path: repo.requestedPath ?? '', storage: repo.storage, field: `repos[${i}]` };
  });
}

/** How long to run before measuring, so retention has reached its steady state. */
function warmUpFor(repos: ResolvedRepo[], schedules: ScheduledBackup[]): number {
  let warmUp = 14 * DAY;
  for (const repo of repos) {
    const retention = repo.repo.retention;
    const fulls = schedules.filter(s => s.repo === repo && s.backupType === BackupType.FULL);
    const gap = maxGap(fulls);
    if (!retention || gap === undefined) continue;
    warmUp = Math.max(warmUp, retention.fullType === 'count' ? (retention.full + 2) * gap : retention.full * DAY + 3 * gap);
    if (retention.differentialBackups !== undefined) {
      const diffGap = maxGap(schedules.filter(s => s.repo === repo && s.backupType === BackupType.DIFFERENTIAL)) ?? gap;
      warmUp = Math.max(warmUp, (retention.differentialBackups + 2) * diffGap);
    }
  }
  return Math.min(warmUp, 3 * 366 * DAY);
}

/** The longest time between two runs of any of `schedules` over 8 weeks. */
function maxGap(schedules: ScheduledBackup[]): number | undefined {
  const start = Date.UTC(2026, 0, 5);
  const runs = schedules.flatMap(s => runsOf(s, start, start + 56 * DAY)).sort((a, b) => a - b);
  if (runs.length < 2) return runs.length === 1 ? 56 * DAY : undefined;
  let gap = 0;
  for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i] - runs[i - 1]);
  return gap;
}

function range(values: number[]): ValueRange {
  return values.length ? { min: Math.min(...values), max: Math.max(...values) } : { min: 0, max: 0 };
}

function summarise(repo: ResolvedRepo, backups: SimulatedBackup[], from: number, to: number): RepoPlanSummary {
  const states = retain(repo, backups, from).filter(s => s.at < to);
  const retention = repo.repo.retention;
  const notes: string[] = [];
  const windows = states.filter(s => s.oldestRestorable !== undefined).map(s => (s.at - (s.oldestRestorable as number)) / HOUR);
  const bounded = retention !== undefined;
  if (!repo.repo.schedule) notes.push('No schedule: only WAL is archived here; backups must be taken by hand (manualBackup).');
  const suspended = repo.repo.schedule?.suspended === true;
  if (suspended) {
    notes.push('Schedules suspended: no backup starts until they are resumed, and nothing is expired meanwhile (pgBackRest expires after a backup); '
      + 'WAL is still archived here. The numbers are the declared plan\'s, once resumed.');
  }
  if (!retention) {
    notes.push('No retention: pgBackRest expires nothing here, so backups and WAL grow until the repo is full (and pgBackRest warns at every backup).');
  } else if (retention.fullType === 'time') {
    notes.push(`Time-based retention keeps a full backup until a newer full is itself ${retention.full} days old, not "everything younger than ${retention.full} days": `
      + `point-in-time recovery reaches back ${fmtHours(range(windows).min)} to ${fmtHours(range(windows).max)} here.`);
  } else {
    notes.push(`Count-based retention keeps the newest ${retention.full} complete full backup${retention.full === 1 ? '' : 's'} and what depends on them; `
      + 'while a new full runs, the old ones are still kept (a backup counts once it is complete).');
  }
  if (retention?.archiveBackups !== undefined) {
    notes.push(`Archive retention keeps WAL for the newest ${retention.archiveBackups} ${retention.archiveType ?? 'full'} backup(s); older backups are restorable only to their end (no point-in-time recovery before).`);
  }
  return {
    repoName: repo.name,
    storage: repo.storage,
    fullBackups: range(states.map(s => s.full)),
    differentialBackups: range(states.map(s => s.differential)),
    incrementalBackups: range(states.map(s => s.incremental)),
    recoveryWindowHours: range(windows.map(w => Math.round(w * 100) / 100)),
    longestRestoreChain: Math.max(0, ...states.map(s => s.longestChain)),
    walExpiry: walExpiry(repo, states),
    bounded,
    notes,
    schedulesSuspended: suspended,
  };
}

function fmtHours(h: number): string {
  return h >= 48 ? `${Math.round(h / 24 * 10) / 10} days` : `${Math.round(h * 10) / 10} hours`;
}

/** When the kept WAL's start moved: after which backups, in words. */
function walExpiry(repo: ResolvedRepo, states: RepoState[]): string {
  if (!repo.repo.retention) return 'never: without retention no WAL is expired';
  const moves: number[] = [];
  for (let i = 1; i < states.length; i++) {
    const [was, is] = [states[i - 1].walFrom, states[i].walFrom];
    if (was !== undefined && is !== undefined && is !== was) moves.push(states[i].at);
  }
  if (moves.length === 0) return 'not within the analysed weeks';
  const days = new Set(moves.map(t => new Date(t).getUTCDay()));
  const times = [...new Set(moves.map(t => new Date(t).toISOString().slice(11, 16)))];
  const names = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const when = days.size === 7 ? 'every day' : [...days].sort().map(d => `${names[d]}s`).join(', ');
  return `${when} at ${times.slice(0, 3).join(', ')} UTC, when a backup's expire drops the oldest backup: WAL older than the oldest backup kept for point-in-time recovery is removed`;
}

/**
 * When both schedules start a backup at the same minute, an example of such a wall-clock time; undefined when they
 * never do. One zone: compared field by field (every date falls on every weekday within 28 years, so this is exact).
 * Different zones: walked over a year.
 */
function firstCommonStart(a: ScheduledBackup, b: ScheduledBackup): string | undefined {
  const start = Date.UTC(2026, 0, 1);
  if (a.timeZone !== b.timeZone) {
    const end = start + 366 * DAY;
    const runsA = new Set(runsBetween(a.parsed, start, end, a.timeZone));
    const common = runsBetween(b.parsed, start, end, b.timeZone).find(t => runsA.has(t));
    return common === undefined ? undefined : iso(common);
  }
  const hour = a.parsed.hours.findIndex((v, h) => v && b.parsed.hours[h]);
  const minute = a.parsed.minutes.findIndex((v, m) => v && b.parsed.minutes[m]);
  if (hour < 0 || minute < 0) return undefined;
  if (!shareADay(a, b)) return undefined;
  for (let day = 0; day < 28 * 366; day++) {
    const d = new Date(start + day * DAY);
    const month = d.getUTCMonth() + 1;
    if (a.parsed.months[month] && b.parsed.months[month] && dayMatches(a, d) && dayMatches(b, d)) {
      return `${d.toISOString().slice(0, 10)} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} ${a.timeZone}`;
    }
  }
  return undefined;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether some date (month, day, weekday) matches both: over the years every date falls on every weekday. */
function shareADay(a: ScheduledBackup, b: ScheduledBackup): boolean {
  const match = (s: ScheduledBackup, day: number, weekday: number) => {
    const dom = s.parsed.daysOfMonth[day];
    const dow = s.parsed.daysOfWeek[weekday];
    return s.parsed.dayStar ? dom && dow : dom || dow;
  };
  for (let month = 1; month <= 12; month++) {
    if (!a.parsed.months[month] || !b.parsed.months[month]) continue;
    for (let day = 1; day <= DAYS_IN_MONTH[month - 1]; day++) {
      for (let weekday = 0; weekday < 7; weekday++) if (match(a, day, weekday) && match(b, day, weekday)) return true;
    }
  }
  return false;
}

function dayMatches(s: ScheduledBackup, d: Date): boolean {
  const dom = s.parsed.daysOfMonth[d.getUTCDate()];
  const dow = s.parsed.daysOfWeek[d.getUTCDay()];
  return s.parsed.dayStar ? dom && dow : dom || dow;
}

