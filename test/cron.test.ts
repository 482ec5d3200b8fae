import { Cron } from 'croner';
import { cronProblem, parseCron, runsBetween } from '../src/private/cron/cron';

const iso = (t: number) => new Date(t).toISOString().slice(0, 16);
const DAY = 86_400_000;

describe('Kubernetes cron syntax', () => {
  test.each([
    '0 3 * * *', '*/15 * * * *', '0 9-17 * * MON-FRI', '0 0 1 */3 *', '5 4 * * sun', '0 0 ? * *', '0 0 29 2 *',
    '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '5/15 * * * *', '0 0 1,15 * 1', '0 0 * JAN-MAR *',
  ])('accepts %j', expr => {
    expect(cronProblem(expr)).toBeUndefined();
  });

  test.each([
    ['0 3 * * * *', '6 fields'], ['0 3 * *', '4 fields'], ['@every 5m', '@every'], ['0 0 * * 7', 'day-of-week'],
    ['0 0 L * *', 'L, W, # or H'], ['0 0 * * 1#1', 'L, W, # or H'], ['0 0 15W * *', 'L, W, # or H'], ['H 3 * * *', 'L, W, # or H'],
    ['TZ=UTC 0 3 * * *', 'TZ='], ['60 * * * *', 'minute'], ['0 24 * * *', 'hour'], ['0 0 0 * *', 'day-of-month'],
    ['0 0 * 13 *', 'month'], ['0 0 31 2 *', 'never occurs'], ['*/0 * * * *', 'step'], ['5-1 * * * *', 'starts after'],
    ['0 ? * * *', "'?' is only allowed"], ['1,,2 * * * *', 'empty list item'], ['@reboot', 'macro'],
  ])('refuses %j (%s)', (expr, reason) => {
    expect(cronProblem(expr)).toContain(reason);
  });

  test('N/step means N through the end of the field, as in robfig/cron', () => {
    const c = parseCron('5/20 * * * *');
    expect(c.minutes.flatMap((v, i) => (v ? [i] : []))).toEqual([5, 25, 45]);
  });

  test('macros expand to their five fields', () => {
    expect(runsBetween('@weekly', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 15)).map(iso)).toEqual(['2026-01-04T00:00', '2026-01-11T00:00']);
  });
});

describe('runs', () => {
  test('day-of-month and day-of-week are OR-ed when both are restricted', () => {
    // The 1st of the month or any Monday, January 2026.
    const runs = runsBetween('0 0 1 * 1', Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1)).map(iso);
    expect(runs).toEqual(['2026-01-01T00:00', '2026-01-05T00:00', '2026-01-12T00:00', '2026-01-19T00:00', '2026-01-26T00:00']);
  });

  test('a stepped day field counts as restricted (robfig clears the star bit for steps above 1)', () => {
    // Every second day of the month OR Sunday.
    const runs = runsBetween('0 0 */2 * 0', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 12)).map(iso);
    expect(runs).toEqual(['2026-01-01T00:00', '2026-01-03T00:00', '2026-01-04T00:00', '2026-01-05T00:00', '2026-01-07T00:00', '2026-01-09T00:00', '2026-01-11T00:00']);
  });

  test('a day field with * keeps AND semantics', () => {
    expect(runsBetween('0 0 * * 1', Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 15)).map(iso)).toEqual(['2026-01-05T00:00', '2026-01-12T00:00']);
  });

  test.each([
    ['0 3 * * *', 730], ['*/15 * * * *', 45], ['0 9-17 * * MON-FRI', 365], ['0 0 1 */3 *', 730], ['30 1 * * 0', 730],
    ['15 2,14 1-7 * *', 730], ['0 0 29 2 *', 1461], ['0 12 13 * 5', 1461],
  ])(
    'agrees with croner for %j over %i days in UTC', (expr, days) => {
      const from = Date.UTC(2026, 0, 1);
      const to = from + days * DAY;
      const ours = runsBetween(expr, from, to);
      const theirs: number[] = [];
      const job = new Cron(expr, { paused: true, timezone: 'UTC', mode: '5-part', legacyMode: true });
      let next = job.nextRun(new Date(from - 1));
      while (next && next.getTime() < to) {
        theirs.push(next.getTime());
        next = job.nextRun(next);
      }
      expect(ours.length).toBeGreaterThan(0);
      expect(ours).toEqual(theirs);
    });

  test('DST spring forward: a time that does not exist is skipped (Europe/Berlin, 29 March 2026)', () => {
    const runs = runsBetween('30 2 * * *', Date.UTC(2026, 2, 27), Date.UTC(2026, 2, 31), 'Europe/Berlin').map(iso);
    // 02:30 local: 01:30Z in winter, 00:30Z in summer; 29 March has no 02:30.
    expect(runs).toEqual(['2026-03-27T01:30', '2026-03-28T01:30', '2026-03-30T00:30']);
  });

  test('DST fall back: a repeated time runs twice (Europe/Berlin, 25 October 2026)', () => {
    const runs = runsBetween('30 2 * * *', Date.UTC(2026, 9, 24), Date.UTC(2026, 9, 27), 'Europe/Berlin').map(iso);
    expect(runs).toEqual(['2026-10-24T00:30', '2026-10-25T00:30', '2026-10-25T01:30', '2026-10-26T01:30']);
  });

  test('hourly runs across a DST change keep one run per real hour', () => {
    const runs = runsBetween('0 * * * *', Date.UTC(2026, 2, 28, 22), Date.UTC(2026, 2, 29, 3), 'Europe/Berlin');
    expect(runs).toHaveLength(5);
  });
});
