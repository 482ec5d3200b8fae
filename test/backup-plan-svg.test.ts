/**
 * The week timeline is valid XML and shows what it should, checked in headless Chromium (Debian's package):
 * the SVG file itself must parse, and the page script counts and measures what was drawn.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Size, Testing } from 'cdk8s';
import { BackupRepo, BackupRetention, BackupSchedule, CollisionPolicy, IvoryCluster, PgBackRestVersion } from '../src';
import { describeWith } from './support/prerequisites';

const CHROMIUM = '/usr/bin/chromium';
const run = describeWith('backup-plan-svg', [{ name: `Chromium at ${CHROMIUM} (Debian's chromium)`, present: () => fs.existsSync(CHROMIUM) }]);

function chromium(url: string, dir: string): string {
  return execFileSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'profile')}`, '--virtual-time-budget=5000', '--dump-dom', url,
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
}

run('the week timeline in Chromium', () => {
  const cluster = new IvoryCluster(Testing.chart(), 'hippo', {
    pgbackrestVersion: PgBackRestVersion.V2_45,
    repos: [
      BackupRepo.volume({ size: Size.gibibytes(1), schedule: BackupSchedule.dailyFullHourlyIncremental(), retention: BackupRetention.fullCount(2) }),
      // Its full starts while repo1's full runs: a collision before pgBackRest 2.53.
      BackupRepo.volume({ size: Size.gibibytes(1), schedule: new BackupSchedule({ full: '30 1 * * 0', differential: '0 4 * * 1-6' }), retention: BackupRetention.fullCount(2) }),
    ],
    backupPlan: { collisions: CollisionPolicy.IGNORE },
  });
  const plan = cluster.planAnalysis;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svg-'));
  const svg = plan.toSvg();

  test('the SVG file parses as XML', () => {
    const file = path.join(dir, 'plan.svg');
    fs.writeFileSync(file, svg);
    const dom = chromium(`file://${file}`, dir);
    expect(dom).not.toContain('parsererror');
    expect(dom).toContain('<svg');
    // A broken file is reported by the same check.
    fs.writeFileSync(path.join(dir, 'broken.svg'), svg.replace('</svg>', ''));
    expect(chromium(`file://${path.join(dir, 'broken.svg')}`, dir)).toContain('parsererror');
  });

  test('lanes, backups by type and collision marks are drawn where they belong', () => {
    const page = path.join(dir, 'page.html');
    fs.writeFileSync(page, `<!doctype html><html><body>${svg}<pre id="result"></pre><script>
      const svg = document.querySelector('svg');
      const lanes = [...document.querySelectorAll('g.lane')].map(g => {
        const band = g.querySelector('rect').getBBox();
        const runs = [...g.querySelectorAll('rect.backup')];
        return {
          repo: g.dataset.repo,
          label: g.querySelector('.lane-label').textContent,
          types: runs.reduce((n, r) => { n[r.dataset.type] = (n[r.dataset.type] || 0) + 1; return n; }, {}),
          inside: runs.every(r => { const b = r.getBBox(); return b.y >= band.y && b.y + b.height <= band.y + band.height && b.x >= band.x - 0.01 && b.x + b.width <= band.x + band.width + 0.01; }),
          fullWidths: runs.filter(r => r.dataset.type === 'full').map(r => Math.round(r.getBBox().width * 100) / 100),
          colliding: runs.filter(r => r.classList.contains('collides')).length,
          colours: [...new Set(runs.map(r => r.dataset.type + '=' + getComputedStyle(r).fill))].sort(),
        };
      });
      document.getElementById('result').textContent = JSON.stringify({
        width: svg.getBoundingClientRect().width,
        days: [...document.querySelectorAll('.day-label')].map(t => t.textContent),
        markers: document.querySelectorAll('path.collision-marker').length,
        lanes,
      });
    </script></body></html>`);
    const dom = chromium(`file://${page}`, dir);
    const json = /<pre id="result">([^<]*)<\/pre>/.exec(dom)?.[1] ?? '{}';
    const result = JSON.parse(json.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    expect(result.width).toBe(1000);
    expect(result.days).toEqual(['Mon 01-05', 'Tue 01-06', 'Wed 01-07', 'Thu 01-08', 'Fri 01-09', 'Sat 01-10', 'Sun 01-11']);
    const [repo1, repo2] = result.lanes;
    expect(repo1).toMatchObject({ repo: 'repo1', label: 'repo1', inside: true });
    // Seven daily fulls and 23 incrementals a day; the 00:30 of the week's first day belongs to the week before.
    expect(repo1.types).toEqual({ full: 7, incr: 7 * 23 });
    // A one-hour full is 1/24 of a day column: (1000 - 100) / 7 / 24 pixels.
    expect(repo1.fullWidths.every((w: number) => Math.abs(w - 900 / 7 / 24) < 0.05)).toBe(true);
    expect(repo2).toMatchObject({ repo: 'repo2', inside: true, types: { full: 1, diff: 6 } });
    expect(repo1.colours).toEqual(['full=rgb(37, 99, 235)', 'incr=rgb(5, 150, 105)']);
    expect(repo2.colours).toEqual(['diff=rgb(217, 119, 6)', 'full=rgb(37, 99, 235)']);
    // Sunday: repo2's full fires at 01:30 during repo1's full (01:00-02:00), and waits for it.
    expect(repo2.colliding).toBe(1);
    expect(repo1.colliding).toBe(1);
    expect(result.markers).toBe(2);
    expect(plan.collisions).toEqual([expect.objectContaining({ first: 'repos[0].schedule.full', second: 'repos[1].schedule.full', at: '2026-01-11T01:30:00.000Z' })]);
  });
});
