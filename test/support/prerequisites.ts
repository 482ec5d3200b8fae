/**
 * Suites that need tools from outside the repo (root, bubblewrap, the built engine, Chromium, Prometheus) ask here
 * whether to run. On a laptop a missing tool skips the suite, with one line that says what and why; under CI=true
 * (as `.ci/run` runs) a suite that would skip fails instead, naming what was missing, so a broken install step can
 * never turn into a green run that proved nothing.
 */

/** What a suite needs: a name for the line, and a check per prerequisite that returns true when it is there. */
export interface Prerequisite {
  readonly name: string;
  readonly present: () => boolean;
}

/** The missing prerequisites, in order. E2E=0 counts as every one missing: the user asked to skip. */
export function missingPrerequisites(prerequisites: readonly Prerequisite[]): string[] {
  if (process.env.E2E === '0') return ['(E2E=0 was set)'];
  return prerequisites.filter(p => {
    try {
      return !p.present();
    } catch {
      return true;
    }
  }).map(p => p.name);
}

/**
 * `describe` when every prerequisite is there. Otherwise, locally, `describe.skip` and one line on stderr; under CI,
 * a `describe` with a single failing test that names what was missing.
 */
export function describeWith(suite: string, prerequisites: readonly Prerequisite[]): jest.Describe {
  const missing = missingPrerequisites(prerequisites);
  if (missing.length === 0) return describe;
  const why = `${suite}: missing ${missing.join(', ')}`;
  if (process.env.CI === 'true') {
    const failing = ((title: string, _fn: () => void) => describe(title, () => {
      test('has what it needs', () => {
        throw new Error(`${why}. Under CI=true a suite that would skip fails: install what is missing (npm test does, as root).`);
      });
    })) as unknown as jest.Describe;
    return failing;
  }
  process.stderr.write(`skipped ${why}\n`);
  return describe.skip;
}
