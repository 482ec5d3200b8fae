/**
 * A suite that cannot run says so: locally it is skipped with one line naming what is missing; under CI=true (as
 * `.ci/run` runs) it fails, naming it, so a broken install step cannot pass as a green run. Runs jest on a fixture
 * suite whose prerequisite is never there, once each way.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..');

function runFixture(ci: boolean): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: ci ? 'true' : 'false' };
  delete env.E2E;
  const r = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--ci', '--coverage=false', '--reporters=default',
    '--rootDir', root, '--testMatch', '<rootDir>/test/fixtures/needs-a-missing-tool.fixture.ts'], { cwd: root, env, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('a suite whose tool is missing', () => {
  jest.setTimeout(120_000);

  test('under CI=true it fails, naming the tool', () => {
    const r = runFixture(true);
    expect(r.status).toBe(1);
    expect(r.output).toContain('fixture: missing no-such-tool-for-this-fixture. Under CI=true a suite that would skip fails');
    expect(r.output).toMatch(/Tests:\s+1 failed, 1 total/);
  });

  test('locally it is skipped, with one line saying what and why', () => {
    const r = runFixture(false);
    expect(r.status).toBe(0);
    expect(r.output.match(/skipped fixture: missing no-such-tool-for-this-fixture/g)).toHaveLength(1);
    expect(r.output).toMatch(/Tests:\s+1 skipped, 1 total/);
  });
});
