import { App, Testing } from 'cdk8s';
import { validateManifests } from './support/schemas';
import { credentialLeaks, restrictedViolations } from './support/security';
import { build as operator } from '../examples/operator/main';
import { build as standalone } from '../examples/standalone/main';

test.each([['operator', operator], ['standalone', standalone]] as [string, (app: App) => any][])('the %s example synthesizes valid, safe manifests', (name, build) => {
  const chart = build(Testing.app());
  const manifests = Testing.synth(chart);
  validateManifests(manifests);
  expect(restrictedViolations(manifests)).toEqual([]);
  expect(credentialLeaks(manifests)).toEqual([]);
  expect(manifests.length).toBeGreaterThan(name === 'operator' ? 1 : 20);
});
