/**
 * The alerts, proven with Prometheus's own tool: every rendered rule file passes `promtool check rules`, and
 * `promtool test rules` runs synthetic series against each alert, on both sides of its threshold. Thresholds come
 * from the declared schedules, DST changes included.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import {
  BackupRepo, BackupSchedule, CredentialSource, DeploymentTarget, IvoryCluster, IvoryClusterProps, RepoCredentials,
} from '../src';
import { describeWith } from './support/prerequisites';
import { find } from './support/synth';

const onPath = (tool: string) => () => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const describePromtool = describeWith('promtool', [{ name: 'promtool (Debian package prometheus)', present: onPath('promtool') }]);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ivory-promtool-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function synthCluster(props: IvoryClusterProps, namespace = 'db', name = 'hippo'): { manifests: any[]; cluster: IvoryCluster } {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  const cluster = new IvoryCluster(chart, name, { backupPlan: { writeReport: false }, ...props });
  return { manifests: Testing.synth(chart), cluster };
}

/** The PrometheusRule's groups as a rule file: what prometheus-operator hands Prometheus. */
function ruleFile(manifests: any[], name: string): string {
  const rule = find(manifests, 'PrometheusRule');
  const file = path.join(dir, `${name}.rules.yml`);
  fs.writeFileSync(file, YAML.stringify({ groups: rule.spec.groups }));
  return file;
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: dir });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Runs `tests` (promtool's unit-test format) against `rules`; returns promtool's verdict. */
function testRules(rules: string, tests: unknown[], name: string): { status: number | null; output: string } {
  const file = path.join(dir, `${name}.test.yml`);
  fs.writeFileSync(file, YAML.stringify({ rule_files: [rules], evaluation_interval: '1m', tests }));
  return promtool('test', 'rules', file);
}

const volume = (schedule?: BackupSchedule) => BackupRepo.volume({ size: Size.gibibytes(10), schedule });
const s3 = (schedule: BackupSchedule) => BackupRepo.s3({
  bucket: 'acme-pg',
  region: 'eu-central-1',
  schedule,
  credentials: RepoCredentials.s3AccessKey({
    accessKeyId: CredentialSource.fromExternalSecret('pg/s3', 'id'), secretAccessKey: CredentialSource.fromExternalSecret('pg/s3', 'secret'),
  }),
});

describe('thresholds follow the schedules', () => {
  test('the longest gap of a daily schedule in Europe/Berlin is 47 hours at 02:30 (the spring-forward run is skipped) and 25 at 01:00', () => {
    const at = (cron: string) => synthCluster({
      target: DeploymentTarget.STANDALONE, repos: [volume(new BackupSchedule({ full: cron, timeZone: 'Europe/Berlin' }))],
    }).cluster.planAnalysis.alertThresholds;
    const [late] = at('30 2 * * *');
    expect(late).toMatchObject({ repoName: 'repo1', backupType: 'full', longestGapSeconds: 47 * 3600, expectedDurationSeconds: 3600, graceSeconds: 3600 });
    expect(late.thresholdSeconds).toBe(49 * 3600);
    expect(at('0 1 * * *')[0].longestGapSeconds).toBe(25 * 3600);
  });

  test('a differential counts fulls, an incremental counts every type; a monthly full waits for the longest month', () => {
    const { cluster } = synthCluster({
      repos: [volume(new BackupSchedule({ full: '0 1 1 * *', differential: '0 5 * * 0', incremental: '30 */6 * * *' }))],
      monitoring: { grace: Duration.minutes(30) },
      backupPlan: {
        writeReport: false,
        expectedDurations: { full: Duration.hours(3), differential: Duration.hours(1), incremental: Duration.minutes(10) },
      },
    });
    const byType = Object.fromEntries(cluster.planAnalysis.alertThresholds.map(t => [t.backupType, t]));
    expect(byType.full.longestGapSeconds).toBe(31 * 86400);
    // Sundays and the 1st: never more than a week apart.
    expect(byType.diff.longestGapSeconds).toBe(7 * 86400);
    expect(byType.diff.expectedDurationSeconds).toBe(3 * 3600);
    expect(byType.incr.longestGapSeconds).toBe(6 * 3600);
    expect(byType.incr.thresholdSeconds).toBe(6 * 3600 + 3 * 3600 + 1800);
    expect(byType.diff.schedules).toEqual(['repos[0].schedule.full: "0 1 1 * *" (UTC)', 'repos[0].schedule.differential: "0 5 * * 0" (UTC)']);
  });

  test('the report shows each alert threshold beside its schedules', () => {
    const { cluster } = synthCluster({ repos: [volume(BackupSchedule.dailyFull({ hour: 2 }))] });
    const md = cluster.planAnalysis.toMarkdown();
    expect(md).toContain('## Alerts');
    expect(md).toMatch(/\| repo1 \| full \| `0 2 \* \* \*` \(UTC\) \| 1d \| 1h \| 1h \| 1d 2h \|/);
  });
});

describe('what is rendered', () => {
  test('both targets render a PodMonitor and a PrometheusRule, valid against their schemas, with the rule labels', () => {
    for (const target of [DeploymentTarget.OPERATOR, DeploymentTarget.STANDALONE]) {
      const { manifests } = synthCluster({ target, repos: [volume(BackupSchedule.dailyFull())], monitoring: { ruleLabels: { release: 'kps' } } });
      const rule = find(manifests, 'PrometheusRule', 'hippo-backups');
      expect(rule.metadata.labels.release).toBe('kps');
      const monitor = find(manifests, 'PodMonitor', 'hippo-exporter');
      expect(monitor.spec.podMetricsEndpoints[0].port).toBe('exporter');
      expect(monitor.spec.podMetricsEndpoints[0].relabelings[0]).toEqual({
        sourceLabels: ['__meta_kubernetes_pod_label_ivory_operator_ivorysql_org_cluster'], targetLabel: 'pg_cluster',
      });
      const alerts = rule.spec.groups[0].rules.map((r: any) => r.alert);
      expect(alerts).toEqual(expect.arrayContaining(['IvoryBackupLate', 'IvoryBackupMetricsAbsent', 'IvoryExporterDown', 'IvoryWalArchiveFailing', 'IvoryBackupJobFailed', 'IvoryRepoVolumeFilling']));
      for (const r of rule.spec.groups[0].rules) expect(r.labels).toMatchObject({ namespace: 'db', pg_cluster: 'hippo', severity: expect.stringMatching(/^(warning|critical)$/) });
    }
  });

  test('the operator target turns on IVYO\'s exporter, without a queries.yml (it would replace IVYO\'s ccp_* queries)', () => {
    const { manifests } = synthCluster({ repos: [volume(BackupSchedule.dailyFull())] });
    expect(find(manifests, 'IvoryCluster').spec.monitoring).toEqual({ pgmonitor: { exporter: {} } });
    const custom = synthCluster({ repos: [volume()], monitoring: { exporterImage: 'registry.example/exporter:1' } }).manifests;
    expect(find(custom, 'IvoryCluster').spec.monitoring.pgmonitor.exporter).toEqual({ image: 'registry.example/exporter:1' });
  });

  test('opting out renders neither, and alerts without the exporter are refused', () => {
    const { manifests } = synthCluster({ repos: [volume()], monitoring: { exporter: false, alerts: false } });
    expect(manifests.filter(m => m.kind === 'PrometheusRule' || m.kind === 'PodMonitor')).toEqual([]);
    expect(find(manifests, 'IvoryCluster').spec.monitoring).toBeUndefined();
    expect(() => synthCluster({ repos: [volume()], monitoring: { exporter: false, alerts: true } }))
      .toThrow(/monitoring\.alerts: true: alerts need the exporter's metrics/);
  });
});

describePromtool('promtool', () => {
  test('every example\'s rules pass promtool check rules', () => {
    const examples = path.join(__dirname, '..', 'examples');
    let checked = 0;
    for (const name of fs.readdirSync(examples).filter(n => fs.existsSync(path.join(examples, n, 'main.ts')))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { build } = require(path.join(examples, name, 'main.ts'));
      const chart: Chart = build(Testing.app());
      const manifests = Testing.synth(chart);
      for (const rule of manifests.filter(m => m.kind === 'PrometheusRule')) {
        const file = path.join(dir, `${name}-${rule.metadata.name}.rules.yml`);
        fs.writeFileSync(file, YAML.stringify({ groups: rule.spec.groups }));
        const r = promtool('check', 'rules', file);
        expect([name, r.status, r.output]).toEqual([name, 0, expect.stringContaining('SUCCESS')]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(7);
  });

  test('a broken expression fails promtool check rules (negative control)', () => {
    const { manifests } = synthCluster({ repos: [volume(BackupSchedule.dailyFull())] });
    const rule = find(manifests, 'PrometheusRule');
    rule.spec.groups[0].rules[0].expr = 'min by (repo (broken';
    const file = path.join(dir, 'broken.rules.yml');
    fs.writeFileSync(file, YAML.stringify({ groups: rule.spec.groups }));
    expect(promtool('check', 'rules', file).status).not.toBe(0);
  });

  describe('promtool test rules: each alert fires when it should and stays quiet otherwise', () => {
    // Berlin 02:30 daily: a 47 h gap, so the threshold is 49 h with the default duration and grace.
    const props: IvoryClusterProps = {
      target: DeploymentTarget.STANDALONE,
      repos: [volume(new BackupSchedule({ full: '30 2 * * *', timeZone: 'Europe/Berlin' })), s3(new BackupSchedule({ full: '0 3 * * 0', incremental: '45 * * * 1-6' }))],
      externalSecretStore: { name: 'vault' },
      restoreChecks: [{ checkId: 'nightly', repoName: 'repo2', schedule: '0 5 * * *' }],
    };
    const { manifests, cluster } = synthCluster(props);
    const rules = ruleFile(manifests, 'standalone');
    const thresholds = cluster.planAnalysis.alertThresholds;
    const t1 = thresholds.find(t => t.repoName === 'repo1' && t.backupType === 'full')!.thresholdSeconds;
    const labels = { namespace: 'db', pg_cluster: 'hippo' };
    const series = (name: string, extra: { [k: string]: string }, values: string) =>
      ({ series: `${name}{${Object.entries({ ...labels, ...extra }).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values });
    const healthyExporter = [series('pg_up', { pod: 'hippo-instance1-0' }, `1x${Math.ceil(t1 / 60) + 10}`)];
    const since = (repo: string, type: string, valuesFrom: number) =>
      series(`ccp_backrest_last_${type}_backup_time_since_completion_seconds`, { repo, stanza: 'db' }, `${valuesFrom}+60x${Math.ceil(t1 / 60) + 10}`);
    // repo2's incrementals complete every hour: its incr metric falls back to 0 each hour.
    const hourly = series('ccp_backrest_last_incr_backup_time_since_completion_seconds', { repo: '2', stanza: 'db' },
      Array.from({ length: Math.ceil(t1 / 3600) + 2 }, () => '0+60x59').join(' '));
    const present = [since('1', 'full', 0), since('2', 'full', 0), hourly];
    const groups = find(manifests, 'PrometheusRule').spec.groups;
    /** An alert promtool must see: the rendered rule's labels and annotations (the annotations are fixed text). */
    const fired = (alertname: string, exp_labels: { [k: string]: string }) => {
      const rule = groups[0].rules.find((x: any) => x.alert === alertname
        && Object.entries(x.labels).every(([k, v]) => exp_labels[k] === v));
      if (!rule) throw new Error(`no ${alertname} rule with ${JSON.stringify(exp_labels)}`);
      return { exp_labels, exp_annotations: rule.annotations };
    };

    test(`IvoryBackupLate for repo1 full: quiet a minute before ${t1} s without a backup, firing two minutes after; the DST gap makes it 49 h`, () => {
      expect(t1).toBe(49 * 3600);
      const before = Math.floor(t1 / 60) - 1;
      const after = Math.ceil(t1 / 60) + 2;
      const r = testRules(rules, [{
        interval: '1m',
        input_series: [...present, ...healthyExporter],
        alert_rule_test: [
          { eval_time: `${before}m`, alertname: 'IvoryBackupLate', exp_alerts: [] },
          {
            eval_time: `${after}m`,
            alertname: 'IvoryBackupLate',
            exp_alerts: [fired('IvoryBackupLate', { severity: 'warning', ...labels, repo: 'repo1', type: 'full' })],
          },
        ],
      }], 'late');
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    });

    test('IvoryBackupLate fires for the repo whose backups stopped, not for the one that keeps backing up', () => {
      const r = testRules(rules, [{
        interval: '1m',
        input_series: [since('1', 'full', 0), since('2', 'full', 0), hourly, ...healthyExporter],
        // Before repo1's threshold, with repo2's incrementals running: nothing is late.
        alert_rule_test: [{ eval_time: `${Math.floor(t1 / 60) - 1}m`, alertname: 'IvoryBackupLate', exp_alerts: [] }],
      }], 'healthy');
      expect(r.output).toContain('SUCCESS');
      // Past repo2's incremental threshold with no incremental: it fires for repo2 incr.
      const t2 = thresholds.find(t => t.repoName === 'repo2' && t.backupType === 'incr')!.thresholdSeconds;
      const stale = testRules(rules, [{
        interval: '1m',
        input_series: [since('1', 'full', 0), since('2', 'full', 0), since('2', 'incr', 0), ...healthyExporter],
        alert_rule_test: [
          { eval_time: `${Math.floor(t2 / 60) - 1}m`, alertname: 'IvoryBackupLate', exp_alerts: [] },
          { eval_time: `${Math.ceil(t2 / 60) + 2}m`, alertname: 'IvoryBackupLate', exp_alerts: [fired('IvoryBackupLate', { severity: 'warning', ...labels, repo: 'repo2', type: 'incr' })] },
        ],
      }], 'stale');
      expect(stale.output).toContain('SUCCESS');
    });

    test('IvoryBackupMetricsAbsent and IvoryExporterDown fire when the series are missing, after their for:', () => {
      const r = testRules(rules, [{
        interval: '1m',
        input_series: [since('1', 'full', 0), series('pg_up', { pod: 'hippo-instance1-0' }, '1x10 0x30')],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'IvoryBackupMetricsAbsent', exp_alerts: [] },
          { eval_time: '20m', alertname: 'IvoryBackupMetricsAbsent', exp_alerts: [fired('IvoryBackupMetricsAbsent', { severity: 'warning', ...labels, repo: 'repo2' })] },
          { eval_time: '15m', alertname: 'IvoryExporterDown', exp_alerts: [] },
          { eval_time: '25m', alertname: 'IvoryExporterDown', exp_alerts: [fired('IvoryExporterDown', { severity: 'warning', ...labels })] },
        ],
      }], 'absent');
      expect(r.output).toContain('SUCCESS');
    });

    test('IvoryWalArchiveFailing: quiet while the newest attempt succeeds, critical after 5 minutes of failing, quiet again after', () => {
      const r = testRules(rules, [{
        interval: '1m',
        input_series: [series('ccp_archive_command_status_seconds_since_last_fail', { pod: 'hippo-instance1-0' }, '0x10 60+60x10 0x10')],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'IvoryWalArchiveFailing', exp_alerts: [] },
          { eval_time: '13m', alertname: 'IvoryWalArchiveFailing', exp_alerts: [] },
          { eval_time: '18m', alertname: 'IvoryWalArchiveFailing', exp_alerts: [fired('IvoryWalArchiveFailing', { severity: 'critical', ...labels })] },
          { eval_time: '28m', alertname: 'IvoryWalArchiveFailing', exp_alerts: [] },
        ],
      }], 'archive');
      expect(r.output).toContain('SUCCESS');
    });

    test('IvoryBackupJobFailed: a failed Job newer than the CronJob\'s last success fires; a later success clears it', () => {
      const job = (name: string, start: number, failed: string) => [
        { series: `kube_job_owner{namespace="db",job_name="${name}",owner_kind="CronJob",owner_name="hippo-repo1-full",owner_is_controller="true"}`, values: '1x40' },
        { series: `kube_job_status_start_time{namespace="db",job_name="${name}"}`, values: `${start}x40` },
        { series: `kube_job_failed{namespace="db",job_name="${name}",condition="true"}`, values: failed },
      ];
      const r = testRules(rules, [{
        interval: '1m',
        input_series: [
          ...job('hippo-repo1-full-1', 60, '0x40'),
          ...job('hippo-repo1-full-2', 600, '_x9 1x31'),
          // The CronJob's last success: the first Job (finished at 120 s), then a third Job at 1800 s.
          { series: 'kube_cronjob_status_last_successful_time{namespace="db",cronjob="hippo-repo1-full"}', values: '120x29 1800x11' },
        ],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'IvoryBackupJobFailed', exp_alerts: [] },
          { eval_time: '15m', alertname: 'IvoryBackupJobFailed', exp_alerts: [fired('IvoryBackupJobFailed', { severity: 'warning', namespace: 'db', pg_cluster: 'hippo', repo: 'repo1', type: 'full', cronjob: 'hippo-repo1-full', owner_name: 'hippo-repo1-full' })] },
          { eval_time: '35m', alertname: 'IvoryBackupJobFailed', exp_alerts: [] },
        ],
      }], 'jobs');
      expect(r.output).toContain('SUCCESS');
    });

    test('IvoryRepoVolumeFilling: below 10% free for 15 minutes', () => {
      const pvc = { namespace: 'db', persistentvolumeclaim: 'hippo-repo1' };
      const s = (name: string, values: string) => ({ series: `${name}{${Object.entries(pvc).map(([k, v]) => `${k}="${v}"`).join(',')}}`, values });
      const r = testRules(rules, [{
        interval: '1m',
        input_series: [s('kubelet_volume_stats_capacity_bytes', '1000x40'), s('kubelet_volume_stats_available_bytes', '500x10 50x30')],
        alert_rule_test: [
          { eval_time: '20m', alertname: 'IvoryRepoVolumeFilling', exp_alerts: [] },
          { eval_time: '30m', alertname: 'IvoryRepoVolumeFilling', exp_alerts: [fired('IvoryRepoVolumeFilling', { severity: 'warning', namespace: 'db', pg_cluster: 'hippo', repo: 'repo1', persistentvolumeclaim: 'hippo-repo1' })] },
        ],
      }], 'volume');
      expect(r.output).toContain('SUCCESS');
    });

    test('a wrong expectation fails promtool test rules (negative control)', () => {
      const r = testRules(rules, [{
        interval: '1m',
        input_series: [...present, ...healthyExporter],
        alert_rule_test: [{ eval_time: `${Math.floor(t1 / 60) - 1}m`, alertname: 'IvoryBackupLate', exp_alerts: [fired('IvoryBackupLate', { severity: 'warning', ...labels, repo: 'repo1', type: 'full' })] }],
      }], 'negative');
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('FAILED');
    });
  });
});


describe('longest gaps of rare and weekly schedules', () => {
  const gap = (cron: string) =>
    synthCluster({ repos: [volume(new BackupSchedule({ full: cron }))] }).cluster.planAnalysis.alertThresholds[0].longestGapSeconds;
  test('weekly is 7 days, the edges of the measured years do not count as a gap', () => expect(gap('0 1 * * 0')).toBe(7 * 86400));
  test('yearly is 365 or 366 days; 29 February is 8 years at most', () => {
    expect(gap('0 1 1 1 *')).toBe(366 * 86400);
    expect(gap('0 1 29 2 *')).toBe(4 * 365 * 86400 + 86400);
  });
});

describePromtool('a rule file for a Prometheus without prometheus-operator', () => {
  test('planAnalysis.toRuleFile() holds the PrometheusRule\'s groups and passes promtool check rules', () => {
    const { manifests, cluster } = synthCluster({ repos: [volume(BackupSchedule.dailyFull())], monitoring: { alerts: true } });
    const text = cluster.planAnalysis.toRuleFile();
    expect(YAML.parse(text)).toEqual({ groups: find(manifests, 'PrometheusRule').spec.groups });
    const file = path.join(dir, 'plain.rules.yml');
    fs.writeFileSync(file, text);
    expect(promtool('check', 'rules', file).output).toContain('SUCCESS');
  });
});
