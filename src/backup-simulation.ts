/**
 * Simulates a cluster's backups as pgBackRest would take and expire them: the runs each schedule starts, the lock
 * that makes backups wait for each other, the conversion of a diff or incr without a prior backup into a full, and
 * retention applied by the expire that follows every backup. Shared by the collision check, the recovery-window
 * analysis and the report.
 */
import { BackupType } from './backup-schedule';
import { FullRetentionType } from './backup-retention';
import { ResolvedRepo } from './cluster-model';
import { ParsedCron, runsBetween } from './cron';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** One schedule of one repo. */
export interface ScheduledBackup {
  readonly repo: ResolvedRepo;
  readonly backupType: BackupType;
  readonly cron: string;
  readonly parsed: ParsedCron;
  readonly timeZone: string;
  /** The props field, for messages. */
  readonly field: string;
  /** Expected duration in ms. */
  readonly duration: number;
}

/** One backup as the simulation ran it. */
export interface SimulatedBackup {
  readonly schedule: ScheduledBackup;
  /** When its CronJob fired. */
  readonly scheduled: number;
  /** When pgBackRest started it (later when it waited for the lock). */
  readonly start: number;
  readonly stop: number;
  /** Its type after pgBackRest's promotion to full when nothing precedes it. */
  readonly backupType: BackupType;
  /** The backup it depends on. */
  readonly prior?: SimulatedBackup;
  /** When it was expired, if it was. */
  expired?: number;
}

/** A pair of backups that would run at the same time. */
export interface Overlap {
  readonly first: ScheduledBackup;
  readonly second: ScheduledBackup;
  /** When the second starts while the first still runs. */
  readonly at: number;
  readonly minutes: number;
}

/** What a repo holds at one moment. */
export interface RepoState {
  readonly at: number;
  readonly full: number;
  readonly differential: number;
  readonly incremental: number;
  /** Oldest point-in-time recovery target: the stop of the oldest backup with continuous WAL after it. */
  readonly oldestRestorable?: number;
  /** Start of the WAL kept (older WAL is expired). */
  readonly walFrom?: number;
  /** Longest chain of backups a restore of one retained backup reads. */
  readonly longestChain: number;
}

/** Every run of `s` in [from, to). */
export function runsOf(s: ScheduledBackup, from: number, to: number): number[] {
  return runsBetween(s.parsed, from, to, s.timeZone);
}

/** Pairs of runs that overlap in time and that pgBackRest could not run together. */
export function findOverlaps(schedules: ScheduledBackup[], from: number, to: number, concurrentRepos: boolean): Overlap[] {
  const runs = schedules.flatMap(s => runsOf(s, from, to).map(t => ({ s, start: t, end: t + s.duration })))
    .sort((a, b) => a.start - b.start);
  const found = new Map<string, Overlap>();
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length && runs[j].start < runs[i].end; j++) {
      const [a, b] = [runs[i], runs[j]];
      if (a.s === b.s) continue;
      if (concurrentRepos && a.s.repo.name !== b.s.repo.name) continue;
      const key = `${a.s.field}|${b.s.field}`;
      if (!found.has(key)) {
        found.set(key, { first: a.s, second: b.s, at: b.start, minutes: Math.round((Math.min(a.end, b.end) - b.start) / MINUTE) });
      }
    }
  }
  return [...found.values()];
}

/** The lock a backup needs: one per repo from pgBackRest 2.53, one per cluster before. */
function lockOf(s: ScheduledBackup, concurrentRepos: boolean): string {
  return concurrentRepos ? s.repo.name : 'cluster';
}

/**
 * Runs every schedule from `from` to `to`: backups wait for the lock they need (the standalone Jobs do, and IVYO's
 * retry), a CronJob whose previous run is still going skips (concurrencyPolicy Forbid), and each backup promotes to
 * a full when its repo has nothing it could depend on.
 */
export function simulate(schedules: ScheduledBackup[], from: number, to: number, concurrentRepos: boolean): SimulatedBackup[] {
  const fired = schedules.flatMap(s => runsOf(s, from, to).map(t => ({ s, t }))).sort((a, b) => a.t - b.t || order(a.s) - order(b.s));
  const lockFree = new Map<string, number>();
  const lastEnd = new Map<ScheduledBackup, number>();
  const done: SimulatedBackup[] = [];
  const pending: { s: ScheduledBackup; t: number; start: number }[] = [];
  for (const { s, t } of fired) {
    if ((lastEnd.get(s) ?? -Infinity) > t) continue; // Forbid: the previous run of this CronJob is still going
    const lock = lockOf(s, concurrentRepos);
    const start = Math.max(t, lockFree.get(lock) ?? -Infinity);
    lockFree.set(lock, start + s.duration);
    lastEnd.set(s, start + s.duration);
    pending.push({ s, t, start });
  }
  // Types and priors are decided in start order, per repo, from backups that have finished by then.
  pending.sort((a, b) => a.start - b.start);
  for (const p of pending) {
    const repoBackups = done.filter(b => b.schedule.repo.name === p.s.repo.name && b.stop <= p.start);
    const lastFull = [...repoBackups].reverse().find(b => b.backupType === BackupType.FULL);
    const lastAny = repoBackups[repoBackups.length - 1];
    let backupType = p.s.backupType;
    let prior: SimulatedBackup | undefined;
    if (backupType === BackupType.DIFFERENTIAL) {
      if (lastFull) prior = lastFull; else backupType = BackupType.FULL;
    } else if (backupType === BackupType.INCREMENTAL) {
      if (lastAny) prior = lastAny; else backupType = BackupType.FULL;
    }
    done.push({ schedule: p.s, scheduled: p.t, start: p.start, stop: p.start + p.s.duration, backupType, prior });
  }
  return done.sort((a, b) => a.stop - b.stop);
}

function order(s: ScheduledBackup): number {
  return s.repo.index * 10 + [BackupType.FULL, BackupType.DIFFERENTIAL, BackupType.INCREMENTAL].indexOf(s.backupType);
}

function chainLength(b: SimulatedBackup): number {
  let n = 1;
  for (let r = b; r.prior; r = r.prior) n++;
  return n;
}

/** Does `b` depend, directly or not, on `on`? */
function dependsOn(b: SimulatedBackup, on: SimulatedBackup): boolean {
  for (let r: SimulatedBackup | undefined = b; r; r = r.prior) if (r === on) return true;
  return false;
}

/**
 * Applies the repo's retention after each of its backups, as pgBackRest's automatic expire does, and records the
 * repo's state right after each expire and right before each backup completes.
 */
export function retain(repo: ResolvedRepo, backups: SimulatedBackup[]): RepoState[] {
  const retention = repo.repo.retention;
  const mine = backups.filter(b => b.schedule.repo.name === repo.name);
  const live: SimulatedBackup[] = [];
  const states: RepoState[] = [];
  let walFrom: number | undefined;

  const expire = (victim: SimulatedBackup, at: number) => {
    for (const b of [...live]) {
      if (dependsOn(b, victim)) {
        b.expired = at;
        live.splice(live.indexOf(b), 1);
      }
    }
  };

  for (const b of mine) {
    states.push(state(b.stop - 1, live, walFrom));
    live.push(b);
    const now = b.stop;
    if (retention) {
      const fulls = live.filter(x => x.backupType === BackupType.FULL);
      if (retention.fullType === FullRetentionType.COUNT) {
        // Only complete backups count; the oldest fulls beyond the count go, with everything built on them.
        for (const f of fulls.slice(0, Math.max(0, fulls.length - retention.full))) expire(f, now);
      } else {
        // A full expires only when a newer full is itself at least `full` days old.
        const old = fulls.filter(f => f.stop <= now - retention.full * DAY);
        const anchor = old[old.length - 1];
        if (anchor) for (const f of fulls.filter(x => x.stop < anchor.stop)) expire(f, now);
      }
      if (retention.differentialBackups !== undefined) {
        // Fulls count as differentials; expiring a differential takes its incrementals with it.
        const diffLike = live.filter(x => x.backupType !== BackupType.INCREMENTAL);
        for (const d of diffLike.slice(0, Math.max(0, diffLike.length - retention.differentialBackups))) {
          if (d.backupType === BackupType.DIFFERENTIAL) expire(d, now);
        }
      }
      walFrom = archiveStart(live, retention.archiveType, retention.archiveBackups) ?? walFrom;
    } else {
      walFrom = live[0]?.start;
    }
    states.push(state(now, live, walFrom));
  }
  return states;
}

/** Start of the oldest backup whose WAL is kept: archive retention counts backups of its type, fulls by default. */
function archiveStart(live: SimulatedBackup[], archiveType: BackupType | undefined, archiveBackups: number | undefined): number | undefined {
  const counted = live.filter(b => archiveType === BackupType.INCREMENTAL ? true
    : archiveType === BackupType.DIFFERENTIAL ? b.backupType !== BackupType.INCREMENTAL : b.backupType === BackupType.FULL);
  if (counted.length === 0) return undefined;
  const kept = archiveBackups === undefined ? counted : counted.slice(-archiveBackups);
  return kept[0].start;
}

function state(at: number, live: SimulatedBackup[], walFrom: number | undefined): RepoState {
  const restorable = live.filter(b => walFrom !== undefined && b.start >= walFrom);
  return {
    at,
    full: live.filter(b => b.backupType === BackupType.FULL).length,
    differential: live.filter(b => b.backupType === BackupType.DIFFERENTIAL).length,
    incremental: live.filter(b => b.backupType === BackupType.INCREMENTAL).length,
    oldestRestorable: restorable.length ? Math.min(...restorable.map(b => b.stop)) : undefined,
    walFrom,
    longestChain: live.length ? Math.max(...live.map(chainLength)) : 0,
  };
}
