import { Duration, Size, Testing } from 'cdk8s';
import {
  BackupPlanAnalysis, BackupRepo, BackupRetention, BackupSchedule, CollisionPolicy, IvoryCluster, IvoryClusterProps, PgBackRestVersion,
} from '../src';
import { validationMessage } from './support/synth';
import { shiftCron } from '../src/private/cron/shift';

const repo = (schedule: BackupSchedule, retention?: BackupRetention, name?: string) =>
  BackupRepo.volume({ size: Size.gibibytes(1), schedule, retention, name });

function cluster(props: Partial<IvoryClusterProps>): IvoryCluster {
  return new IvoryCluster(Testing.chart(), 'hippo', { repos: [], ...props } as IvoryClusterProps);
}

function plan(props: Partial<IvoryClusterProps>): BackupPlanAnalysis {
  return cluster(props).planAnalysis;
}

describe('retention and recovery window at steady state', () => {
  test('daily full and hourly incremental, 2 fulls kept', () => {
    const [r] = plan({ repos: [repo(BackupSchedule.dailyFullHourlyIncremental(), BackupRetention.fullCount(2))] }).repoSummaries;
    expect(r).toMatchObject({
      repoName: 'repo1',
      fullBackups: { min: 2, max: 2 },
      differentialBackups: { min: 0, max: 0 },
      // 23 incrementals a day (00:30 and 02:30 to 23:30); the older full keeps its 23, the newer gains its own.
      incrementalBackups: { min: 23, max: 46 },
      recoveryWindowHours: { min: 24, max: 48 },
      // A restore of the last incremental reads its full and all 23 incrementals.
      longestRestoreChain: 24,
      bounded: true,
    });
    expect(r.walExpiry).toMatch(/^every day at 02:00 UTC/);
  });

  test('weekly full and daily differential, 2 fulls kept', () => {
    const [r] = plan({ repos: [repo(BackupSchedule.weeklyFullDailyDifferential(), BackupRetention.fullCount(2))] }).repoSummaries;
    expect(r).toMatchObject({
      fullBackups: { min: 2, max: 2 },
      differentialBackups: { min: 6, max: 12 },
      incrementalBackups: { min: 0, max: 0 },
      recoveryWindowHours: { min: 168, max: 336 },
      longestRestoreChain: 2,
    });
    expect(r.walExpiry).toMatch(/^Sundays at 02:00 UTC/);
  });

  test('time-based retention keeps more than its days: 10 days keep 11 to 18 days of recovery', () => {
    const [r] = plan({ repos: [repo(BackupSchedule.weeklyFullDailyDifferential({ hour: 4 }), BackupRetention.fullDays(10))] }).repoSummaries;
    expect(r).toMatchObject({
      fullBackups: { min: 2, max: 3 },
      differentialBackups: { min: 10, max: 15 },
      // The oldest full goes on Thursday, when the next one is 10 days old: 10 d 23.5 h to 17 d 23.5 h back.
      recoveryWindowHours: { min: 263.5, max: 431.5 },
    });
    expect(r.walExpiry).toMatch(/^Thursdays at 04:30 UTC/);
    expect(r.notes.join(' ')).toContain('keeps a full backup until a newer full is itself 10 days old, not "everything younger than 10 days"');
  });

  test('differential retention expires differentials (and their incrementals) before their full', () => {
    const [r] = plan({
      repos: [repo(BackupSchedule.weeklyFullDailyDifferentialHourlyIncremental(), BackupRetention.fullCount(1, { differentialBackups: 2 }))],
    }).repoSummaries;
    // Fulls count as differentials when choosing which differentials to keep, but only differentials are expired
    // by it (pgBackRest's expireDiffBackup): the newest two differentials stay beside the one full.
    expect(r.fullBackups).toEqual({ min: 1, max: 1 });
    expect(r.differentialBackups).toEqual({ min: 0, max: 2 });
  });

  test('no retention: nothing is expired and the report says so', () => {
    const p = plan({ repos: [repo(BackupSchedule.dailyFull())] });
    expect(p.repoSummaries[0].bounded).toBe(false);
    expect(p.repoSummaries[0].walExpiry).toBe('never: without retention no WAL is expired');
    expect(p.toMarkdown()).toContain('No retention: pgBackRest expires nothing here');
  });
});

describe('collisions', () => {
  const twoRepos = [repo(new BackupSchedule({ full: '0 1 * * *' })), repo(new BackupSchedule({ full: '30 1 * * *' }))];

  test('before pgBackRest 2.53 backups of different repos collide when they overlap', () => {
    const m = validationMessage(() => cluster({ pgbackrestVersion: PgBackRestVersion.V2_45, repos: twoRepos }));
    expect(m).toContain('repos[1].schedule.full: "30 1 * * *": starts at 2026-01-05 01:30 UTC while repos[0].schedule.full ("0 1 * * *") is expected to run (30 min overlap');
    expect(m).toContain('before pgBackRest 2.53 a cluster takes one backup at a time');
  });

  test('from 2.53 different repos may run together', () => {
    expect(plan({ pgbackrestVersion: PgBackRestVersion.V2_53, repos: twoRepos }).collisions).toEqual([]);
  });

  test('expected durations decide: a 20-minute full does not reach the next one', () => {
    const p = plan({
      pgbackrestVersion: PgBackRestVersion.V2_45, repos: twoRepos, backupPlan: { expectedDurations: { full: Duration.minutes(20) } },
    });
    expect(p.collisions).toEqual([]);
  });

  test('one repo: an incremental during the full collides; with WARN it is reported, not refused', () => {
    const p = plan({
      repos: [repo(new BackupSchedule({ full: '0 1 * * *', incremental: '30 * * * *' }))],
      backupPlan: { collisions: CollisionPolicy.WARN },
    });
    expect(p.collisions).toEqual([{
      first: 'repos[0].schedule.full',
      firstCron: '0 1 * * *',
      second: 'repos[0].schedule.incremental',
      secondCron: '30 * * * *',
      at: '2026-01-05T01:30:00.000Z',
      overlapMinutes: 10,
    }]);
    expect(p.toMarkdown()).toContain('| repos[0].schedule.full `0 1 * * *` | repos[0].schedule.incremental `30 * * * *` | 2026-01-05 01:30 UTC | 10 min |');
  });

  test('stagger moves schedules apart and says what it moved', () => {
    const repos = [repo(new BackupSchedule({ full: '0 1 * * *', incremental: '30 2-23 * * *' })), repo(new BackupSchedule({ full: '0 1 * * *' }))];
    const result = BackupPlanAnalysis.stagger(repos, { pgbackrestVersion: PgBackRestVersion.V2_45 });
    expect(result.moves).toEqual([
      'repos[1].schedule.full: "0 1 * * *" -> "0 2 * * *" (it overlapped repos[0].schedule.full)',
      'repos[0].schedule.incremental: "30 2-23 * * *" -> "0 0,3-23 * * *" (it overlapped repos[1].schedule.full)',
    ]);
    expect(result.repos[1].schedule?.full).toBe('0 2 * * *');
    // The staggered plan is accepted.
    expect(plan({ pgbackrestVersion: PgBackRestVersion.V2_45, repos: result.repos }).collisions).toEqual([]);
  });

  test('shifting a cron keeps its pattern', () => {
    expect(shiftCron('30 2-23 * * *', 30)).toBe('0 0,3-23 * * *');
    expect(shiftCron('0 1 * * 0', 90)).toBe('30 2 * * 0');
    expect(shiftCron('0 23 * * 0', 60)).toBeUndefined(); // would move Sunday's run to Monday
    expect(shiftCron('*/15 * * * *', 5)).toBeUndefined();
  });
});

describe('time zones', () => {
  test('DST: a skipped time does not run, a repeated one runs twice (Europe/Berlin)', () => {
    const daily = () => repo(BackupSchedule.dailyFull({ hour: 2, minute: 30, timeZone: 'Europe/Berlin' }), BackupRetention.fullCount(3));
    const spring = plan({ target: 'standalone' as any, repos: [daily()], backupPlan: { weekStarting: '2026-03-23' } });
    const autumn = plan({ target: 'standalone' as any, repos: [daily()], backupPlan: { weekStarting: '2026-10-19' } });
    expect(spring._week).toHaveLength(6);
    expect(autumn._week).toHaveLength(8);
    expect(autumn._week.map(w => new Date(w.start).toISOString().slice(0, 16)).filter(t => t.startsWith('2026-10-25'))).toEqual(['2026-10-25T00:30', '2026-10-25T01:30']);
  });
});
