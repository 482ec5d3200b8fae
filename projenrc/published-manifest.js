/**
 * npm's prepack/postpack steps: the published package.json carries what a user's app needs (name, version,
 * dependencies, peers, jsii metadata) and none of this repository's development scripts, jest configuration or
 * placeholder repository URL (jsii requires one to compile; there is no public repository yet).
 *
 *   node projenrc/published-manifest.js strip     # before packing: keep the full manifest aside, write the published one
 *   node projenrc/published-manifest.js restore   # after packing: put the full manifest back
 */
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const manifest = path.join(root, 'package.json');
const kept = path.join(root, '.package.json.dev');

/** The keys of package.json that are for developing this repository, not for using the package. */
const DEVELOPMENT_KEYS = ['scripts', 'jest', 'devDependencies', 'repository'];

function strip() {
  const text = fs.readFileSync(manifest, 'utf8');
  if (!fs.existsSync(kept)) fs.writeFileSync(kept, text);
  const pkg = JSON.parse(text);
  for (const key of DEVELOPMENT_KEYS) delete pkg[key];
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, undefined, 2)}\n`);
}

function restore() {
  if (!fs.existsSync(kept)) return;
  fs.writeFileSync(manifest, fs.readFileSync(kept, 'utf8'));
  fs.rmSync(kept);
}

const command = process.argv[2];
if (command === 'strip') strip();
else if (command === 'restore') restore();
else {
  console.error('usage: published-manifest.js strip|restore');
  process.exit(2);
}
