import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { checkInput } from './private/input';
import { Problems, throwValidationError } from './private/validation';

/**
 * App-wide settings of the backup plan reports (`<namespace>.<cluster>.backup-plan.md` and `.svg`), for
 * `BackupPlanReports.configure`: where they go, and whether they are written at all.
 */
export interface BackupPlanReportsOptions {
  /**
   * The directory reports are written to; a relative path is relative to the working directory, as cdk8s's
   * `outdir` is. Setting it turns reports on (unless `enabled` is false), also for `Testing.app()` and
   * `cdk8s synth --stdout`.
   * @default - the app's output directory
   */
  readonly directory?: string;
  /**
   * Whether reports are written. A cluster's `backupPlan.writeReport` wins over it.
   * @default - written, unless the app's output directory is a temporary one cdk8s made: `Testing.app()`'s
   * (`<tmp>/cdk8s.outdir.*`) or `cdk8s synth --stdout`'s (`<tmp>/cdk8s-*`, deleted after printing the manifests)
   */
  readonly enabled?: boolean;
}

const configured = new WeakMap<App, BackupPlanReportsOptions>();

/**
 * Where backup plan reports go and whether they are written, for a whole app. Without a setting, every cluster
 * writes its report beside the manifests at `cdk8s synth`, and nothing is written for `Testing.app()` (a jest
 * suite's temporary folders) or for `cdk8s synth --stdout` (whose folder is deleted after printing).
 *
 * Set it with `BackupPlanReports.configure(app, { directory: 'reports' })` (any time before `app.synth()`), or with
 * the context key `cdk8s-ivorysql:backupPlanReports` on the app (`app.node.setContext(...)` before adding charts):
 * `false` (no reports), `true` (into the output directory), or a directory.
 */
export class BackupPlanReports {
  /** The context key read on the app: `false`, `true` or a directory. */
  public static readonly CONTEXT_KEY = 'cdk8s-ivorysql:backupPlanReports';

  /**
   * Sets where this app's reports go and whether they are written, e.g. a `reports` folder apart from the
   * manifests, or none at all; it wins over the context key.
   */
  public static configure(app: App, options: BackupPlanReportsOptions = {}): void {
    const problems = new Problems();
    if (!(app instanceof App)) problems.add('app', app, 'must be a cdk8s App');
    options = checkInput(problems, 'BackupPlanReportsOptions', options);
    if (options.directory === '') problems.add('directory', options.directory, 'must be a non-empty path');
    if (!problems.isEmpty) throwValidationError('BackupPlanReports.configure', problems.messages);
    configured.set(app, { ...options });
  }

  /**
   * Where the report of a cluster in `scope` goes, or undefined when none is written. `requested` is the
   * cluster's own `backupPlan.writeReport`.
   * @internal
   */
  public static _directoryFor(scope: IConstruct, requested: boolean | undefined): string | undefined {
    if (requested === false) return undefined;
    const app = App.of(scope);
    const settings = configured.get(app) ?? fromContext(app);
    const enabled = requested ?? settings.enabled ?? (settings.directory !== undefined || !isCdk8sTempDir(app.outdir));
    if (!enabled) return undefined;
    return path.resolve(settings.directory ?? app.outdir);
  }

  private constructor() {}
}

function fromContext(app: App): BackupPlanReportsOptions {
  const value: unknown = app.node.tryGetContext(BackupPlanReports.CONTEXT_KEY);
  if (value === undefined || value === null) return {};
  if (value === false || value === 'false') return { enabled: false };
  if (value === true || value === 'true') return { enabled: true };
  if (typeof value === 'string' && value !== '') return { directory: value };
  throw new Error(`context ${BackupPlanReports.CONTEXT_KEY}: ${JSON.stringify(value)}: must be false, true or a directory`);
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** `Testing.app()` makes `<tmp>/cdk8s.outdir.<random>`; `cdk8s synth --stdout` runs the app with `<tmp>/cdk8s-<random>`. */
function isCdk8sTempDir(outdir: string): boolean {
  const dir = realpath(outdir);
  return path.dirname(dir) === realpath(os.tmpdir()) && /^cdk8s(\.outdir\.|-)/.test(path.basename(dir));
}
