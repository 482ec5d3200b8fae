import { Duration } from 'cdk8s';
import { BackupPlanOptions, CollisionPolicy, OperatorSuspend } from '../../backup-plan-options';
import { Problems } from '../validation';

/** Checks the plan options given to a cluster or to BackupPlanAnalysis.stagger. */
export function validatePlanOptions(problems: Problems, field: string, options: BackupPlanOptions): void {
  if (options.weekStarting !== undefined) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(options.weekStarting);
    const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    if (!d || d.getUTCDate() !== Number(m![3]) || d.getUTCDay() !== 1) {
      problems.add(`${field}.weekStarting`, options.weekStarting, 'must be a Monday as YYYY-MM-DD');
    }
  }
  if (options.collisions !== undefined && !Object.values(CollisionPolicy).includes(options.collisions)) {
    problems.add(`${field}.collisions`, options.collisions, `must be one of ${Object.values(CollisionPolicy).join(', ')}`);
  }
  if (options.operatorSuspend !== undefined && !Object.values(OperatorSuspend).includes(options.operatorSuspend)) {
    problems.add(`${field}.operatorSuspend`, options.operatorSuspend, `must be one of ${Object.values(OperatorSuspend).join(', ')}`);
  }
  for (const type of ['full', 'differential', 'incremental'] as const) {
    const d = options.expectedDurations?.[type];
    if (d !== undefined && !(d instanceof Duration && d.toSeconds() >= 60 && d.toSeconds() <= 7 * 86400)) {
      problems.add(`${field}.expectedDurations.${type}`, d instanceof Duration ? `${d.toSeconds()}s` : d, 'must be a Duration from 1 minute to 7 days');
    }
  }
  const horizon = options.horizon;
  if (horizon !== undefined && !(horizon instanceof Duration && horizon.toSeconds() >= 86400 && horizon.toSeconds() <= 400 * 86400)) {
    problems.add(`${field}.horizon`, options.horizon instanceof Duration ? `${options.horizon.toSeconds()}s` : options.horizon, 'must be a Duration from 1 to 400 days');
  }
}
