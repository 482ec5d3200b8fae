/**
 * Simulates a cluster's backups as pgBackRest would take and expire them: the runs each schedule starts, the lock
 * that makes backups wait for each other, the conversion of a diff or incr without a prior backup into a full, and
 * retention applied by the expire that follows every backup. Shared by the collision check, the recovery-window
 * analysis and the report.
 */
import { FullRetentionType } from '../../backup-retention';
import { BackupType } from '../../backup-type';
import { ParsedCron, runsBetween } from '../cron/cron';
import { ResolvedRepo } from '../model/cluster-model';

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
  /** How many backups a restore of it reads: itself and everything it depends on. */
  readonly chain: number;
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

const runCache = new WeakMap<ScheduledBackup, { from: number; to: number; runs: number[] }>();

/** Every run of `s` in [from, to); computed once per schedule for the widest span asked. */
export function runsOf(s: ScheduledBackup, from: number, to: number): number[] {
  const cached = runCache.get(s);
  if (cached && cached.from <= from && cached.to >= to) return cached.runs.filter(t => t >= from && t < to);
  const span = { from: Math.min(from, cached?.from ?? from), to: Math.max(to, cached?.to ?? to) };
  const runs = runsBetween(s.parsed, span.from, span.to, s.timeZone);
  runCache.set(s, { ...span, runs });
  return runs.filter(t => t >= from && t < to);
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
  const pending: { s: ScheduledBackup; t: number; start: number }[] = [];
  for (const { s, t } of fired) {
    if ((lastEnd.get(s) ?? -Infinity) > t) continue; // Forbid: the previous run of this CronJob is still going
    const lock = lockOf(s, concurrentRepos);
    const start = Math.max(t, lockFree.get(lock) ?? -Infinity);
    lockFree.set(lock, start + s.duration);
    lastEnd.set(s, start + s.duration);
    pending.push({ s, t, start });
  }
  // A repo's backups never overlap (they hold its lock), so in start order every earlier one has finished: its
  // latest full and latest backup are what the next one builds on.
  pending.sort((a, b) => a.start - b.start);
  const lastFull = new Map<string, SimulatedBackup>();
  const lastAny = new Map<string, SimulatedBackup>();
  const done: SimulatedBackup[] = [];
  for (const p of pending) {
    const repo = p.s.repo.name;
    let backupType = p.s.backupType;
    let prior: SimulatedBackup | undefined;
    if (backupType === BackupType.DIFFERENTIAL) {
      prior = lastFull.get(repo);
      if (!prior) backupType = BackupType.FULL;
    } else if (backupType === BackupType.INCREMENTAL) {
      prior = lastAny.get(repo);
      if (!prior) backupType = BackupType.FULL;
    }
    const b: SimulatedBackup = {
      schedule: p.s,
      scheduled: p.t,
      start: p.start,
      stop: p.start + p.s.duration,
      backupType,
      prior,
      chain: prior ? prior.chain + 1 : 1,
    };
    done.push(b);
    lastAny.set(repo, b);
    if (backupType === BackupType.FULL) lastFull.set(repo, b);
  }
  return done.sort((a, b) => a.stop - b.stop);
}

function order(s: ScheduledBackup): number {
  return s.repo.index * 10 + [BackupType.FULL, BackupType.DIFFERENTIAL, BackupType.INCREMENTAL].indexOf(s.backupType);
}

/**
 * Applies the repo's retention after each of its backups, as pgBackRest's automatic expire does, and records the
 * repo's state right after each expire and right before each backup completes (from `from` on). Linear in the
 * number of backups: counts are kept as backups come and go.
 */
export function retain(repo: ResolvedRepo, backups: SimulatedBackup[], from = -Infinity): RepoState[] {
  const retention = repo.repo.retention;
  const live = new Set<SimulatedBackup>();
  const fulls: SimulatedBackup[] = [];
  const diffLike: SimulatedBackup[] = [];
  const counts = { [BackupType.FULL]: 0, [BackupType.DIFFERENTIAL]: 0, [BackupType.INCREMENTAL]: 0 };
  const chains = new Map<number, number>();
  let longestChain = 0;
  let ordered: SimulatedBackup[] = [];
  const states: RepoState[] = [];
  let walFrom: number | undefined;

  const add = (b: SimulatedBackup) => {
    live.add(b);
    ordered.push(b);
    counts[b.backupType]++;
    chains.set(b.chain, (chains.get(b.chain) ?? 0) + 1);
    longestChain = Math.max(longestChain, b.chain);
    if (b.backupType === BackupType.FULL) fulls.push(b);
    if (b.backupType !== BackupType.INCREMENTAL) diffLike.push(b);
  };
  const remove = (b: SimulatedBackup, at: number) => {
    b.expired = at;
    live.delete(b);
    counts[b.backupType]--;
    chains.set(b.chain, (chains.get(b.chain) as number) - 1);
    for (const list of [fulls, diffLike]) {
      const i = list.indexOf(b);
      if (i >= 0) list.splice(i, 1);
    }
  };
  // Backups come in stop order, so everything depending on a backup comes after it.
  const expire = (victim: SimulatedBackup, at: number) => {
    const doomed = new Set<SimulatedBackup>([victim]);
    for (const b of live) if (b.prior && doomed.has(b.prior)) doomed.add(b);
    for (const b of doomed) remove(b, at);
    ordered = ordered.filter(b => live.has(b));
    if (!chains.get(longestChain)) {
      longestChain = 0;
      for (const [chain, n] of chains) if (n > 0 && chain > longestChain) longestChain = chain;
    }
  };
  const snapshot = (at: number): RepoState => {
    let oldestRestorable: number | undefined;
    if (walFrom !== undefined) {
      for (const b of live) {
        if (b.start >= walFrom) {
          oldestRestorable = b.stop;
          break;
        }
      }
    }
    return { at, full: counts.full, differential: counts.diff, incremental: counts.incr, oldestRestorable, walFrom, longestChain };
  };

  for (const b of backups) {
    if (b.schedule.repo.name !== repo.name) continue;
    if (b.stop - 1 >= from) states.push(snapshot(b.stop - 1));
    add(b);
    const now = b.stop;
    if (retention) {
      if (retention.fullType === FullRetentionType.COUNT) {
        // Only complete backups count; the oldest fulls beyond the count go, with everything built on them.
        while (fulls.length > retention.full) expire(fulls[0], now);
      } else {
        // A full expires only when a newer full is itself at least `full` days old.
        let anchor = -1;
        for (let i = fulls.length - 1; i >= 0; i--) {
          if (fulls[i].stop <= now - retention.full * DAY) {
            anchor = i;
            break;
          }
        }
        for (let i = 0; i < anchor; i++) expire(fulls[0], now);
      }
      if (retention.differentialBackups !== undefined) {
        // Fulls count as differentials when choosing, but only differentials (and their incrementals) are expired.
        const beyond = diffLike.slice(0, Math.max(0, diffLike.length - retention.differentialBackups));
        for (const d of beyond) if (d.backupType === BackupType.DIFFERENTIAL && live.has(d)) expire(d, now);
      }
      walFrom = archiveStart(retention.archiveType === BackupType.INCREMENTAL ? ordered
        : retention.archiveType === BackupType.DIFFERENTIAL ? diffLike : fulls, retention.archiveBackups) ?? walFrom;
    } else if (walFrom === undefined) {
      walFrom = b.start;
    }
    if (now >= from) states.push(snapshot(now));
  }
  return states;
}

/** Start of the oldest backup whose WAL is kept: archive retention counts backups of its type, fulls by default. */
function archiveStart(counted: SimulatedBackup[], archiveBackups: number | undefined): number | undefined {
  if (counted.length === 0) return undefined;
  return (archiveBackups === undefined ? counted[0] : counted[Math.max(0, counted.length - archiveBackups)]).start;
}
