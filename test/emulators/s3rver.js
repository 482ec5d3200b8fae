// Starts s3rver for the end-to-end tests: node s3rver.js <address> <port> <directory> <cert> <key> <bucket>
// s3rver 3.7.1 only reports a common prefix for a "directory" that directly holds objects, so pgBackRest never
// sees archive/<stanza>/<archive-id>/ (it only holds subdirectories) and never expires WAL. The listing walk is
// fixed here, once, before s3rver is loaded: a directory pruned beneath a common prefix still reports it.
'use strict';
const fs = require('fs');
const path = require('path');

const store = path.join(__dirname, 'node_modules/s3rver/lib/stores/filesystem.js');
const marker = '/* cdk8s-ivorysql: report pruned common prefixes */';
let source = fs.readFileSync(store, 'utf8');
if (!source.includes(marker)) {
  const anchor = '// avoid directories occurring beneath a common prefix';
  if (!source.includes(anchor)) throw new Error('s3rver changed: cannot apply the common-prefix fix');
  source = source.replace(anchor, `${anchor}
          ${marker}
          const dirKey = FilesystemStore.decodeKeyPath(dirPath.slice(bucketPath.length + 1)) + delimiter;
          const common = dirKey.slice(0, prefix.length + dirKey.slice(prefix.length).indexOf(delimiter) + 1);
          if (common > startAfter) commonPrefixes.add(common);`);
  // (The walk is lazy: the filter runs inside the loop below the declaration of commonPrefixes.)
  fs.writeFileSync(store, source);
}

const S3rver = require('s3rver');
const [address, port, directory, cert, key, bucket] = process.argv.slice(2);
new S3rver({
  address,
  port: Number(port),
  directory,
  cert: fs.readFileSync(cert),
  key: fs.readFileSync(key),
  silent: true,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
}).run().then(() => console.log(`s3rver listening on ${address}:${port}`));
