/**
 * Every manifest any test synthesizes passes the schema and security checks: `Testing.synth` is wrapped for the
 * whole test run, so no test can synthesize an invalid or unsafe object without failing.
 */
import { Chart, Testing } from 'cdk8s';
import { validateManifests } from '../support/schemas';
import { TEST_SECRETS } from '../support/secrets';
import { credentialLeaks, rbacViolations, restrictedViolations, standaloneViolations } from '../support/security';

const synth = Testing.synth.bind(Testing);
Testing.synth = (chart: Chart): any[] => {
  const manifests = synth(chart);
  validateManifests(manifests);
  const problems = [
    ...restrictedViolations(manifests), ...rbacViolations(manifests), ...credentialLeaks(manifests, TEST_SECRETS), ...standaloneViolations(manifests),
  ];
  if (problems.length) throw new Error(`security checks failed for chart ${chart.node.path}:\n${problems.join('\n')}`);
  return manifests;
};
