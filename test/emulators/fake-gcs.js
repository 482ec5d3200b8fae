// A small fake of the Google Cloud Storage JSON API, enough for pgBackRest's GCS driver (no GCS emulator exists on
// npm or Debian). Objects are files under a directory, so they survive a restart of the server.
//   node fake-gcs.js <address> <port> <directory> <cert> <key>
// Endpoints pgBackRest calls:
//   POST /token                                           OAuth token for a service-account JWT (key-type service)
//   GET  /storage/v1/b/<bucket>/o?prefix&delimiter&pageToken   list objects and common prefixes
//   GET  /storage/v1/b/<bucket>/o/<object>?fields=...     object metadata (404 when missing)
//   GET  /storage/v1/b/<bucket>/o/<object>?alt=media      object content, with Range
//   DELETE /storage/v1/b/<bucket>/o/<object>              delete (404 when missing)
//   POST /upload/storage/v1/b/<bucket>/o?uploadType=media&name=     small upload; md5Hash and size are checked
//   POST /upload/storage/v1/b/<bucket>/o?uploadType=resumable&name= start a chunked upload
//   PUT  /upload/storage/v1/b/<bucket>/o?uploadType=resumable&upload_id=  a chunk (308) or the last one (200)
// Requests other than chunk PUTs must carry the bearer token handed out by /token.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const path = require('path');

const [address, port, directory, cert, key] = process.argv.slice(2);
const TOKEN = 'fake-gcs-token';
const PAGE = 1000;
const uploads = new Map();

const objectFile = (bucket, name) => path.join(directory, bucket, encodeURIComponent(name));

function send(res, status, body, headers = {}) {
  const data = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-length': Buffer.byteLength(data), ...(typeof body === 'object' && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(data);
}

function metadata(bucket, name) {
  const stat = fs.statSync(objectFile(bucket, name));
  return { name, size: String(stat.size), updated: stat.mtime.toISOString() };
}

function store(bucket, name, data) {
  fs.mkdirSync(path.join(directory, bucket), { recursive: true });
  const file = objectFile(bucket, name);
  fs.writeFileSync(`${file}.tmp`, data);
  fs.renameSync(`${file}.tmp`, file);
  return { md5Hash: crypto.createHash('md5').update(data).digest('base64'), size: String(data.length) };
}

function list(bucket, query) {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const start = query.get('pageToken') ?? '';
  const dir = path.join(directory, bucket);
  const names = (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    .filter(f => !f.endsWith('.tmp')).map(decodeURIComponent).filter(n => n.startsWith(prefix)).sort();
  const entries = new Map();
  for (const name of names) {
    const rest = name.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const entry = cut >= 0 ? prefix + rest.slice(0, cut + delimiter.length) : name;
    if (!entries.has(entry)) entries.set(entry, cut >= 0 ? 'prefix' : 'item');
  }
  const keys = [...entries.keys()].filter(k => k > start);
  const page = keys.slice(0, PAGE);
  const result = {
    prefixes: page.filter(k => entries.get(k) === 'prefix'),
    items: page.filter(k => entries.get(k) === 'item').map(n => metadata(bucket, n)),
  };
  if (keys.length > PAGE) result.nextPageToken = page[page.length - 1];
  return result;
}

function handle(req, res, body) {
  const url = new URL(req.url, 'https://fake');
  const q = url.searchParams;
  if (req.method === 'POST' && url.pathname === '/token') {
    return send(res, 200, { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 });
  }
  const isChunk = req.method === 'PUT' && q.get('upload_id');
  if (!isChunk && req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { error: { code: 401, message: 'unauthorized' } });

  let m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
  if (m && req.method === 'GET') return send(res, 200, list(m[1], q));

  m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
  if (m) {
    const [bucket, name] = [m[1], decodeURIComponent(m[2])];
    const file = objectFile(bucket, name);
    if (!fs.existsSync(file)) return send(res, 404, { error: { code: 404, message: 'not found' } });
    if (req.method === 'DELETE') {
      fs.unlinkSync(file);
      return send(res, 204);
    }
    if (q.get('alt') !== 'media') return send(res, 200, metadata(bucket, name));
    let data = fs.readFileSync(file);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      data = data.subarray(Number(range[1]), range[2] === '' ? undefined : Number(range[2]) + 1);
      return send(res, 206, data);
    }
    return send(res, 200, data);
  }

  m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
  if (m) {
    const bucket = m[1];
    if (req.method === 'POST' && q.get('uploadType') === 'media') return send(res, 200, store(bucket, q.get('name'), body));
    if (req.method === 'POST' && q.get('uploadType') === 'resumable') {
      const id = crypto.randomBytes(8).toString('hex');
      uploads.set(id, { bucket, name: q.get('name'), chunks: [] });
      return send(res, 200, '', { 'x-guploader-uploadid': id });
    }
    if (isChunk) {
      const upload = uploads.get(q.get('upload_id'));
      if (!upload) return send(res, 404, { error: { code: 404, message: 'unknown upload' } });
      upload.chunks.push(body);
      const total = /\/(\d+|\*)$/.exec(req.headers['content-range'] ?? '')?.[1];
      if (total === '*') return send(res, 308, '');
      uploads.delete(q.get('upload_id'));
      return send(res, 200, store(upload.bucket, upload.name, Buffer.concat(upload.chunks)));
    }
  }
  send(res, 400, { error: { code: 400, message: `unsupported ${req.method} ${url.pathname}` } });
}

https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    try {
      handle(req, res, Buffer.concat(chunks));
    } catch (e) {
      send(res, 500, { error: { code: 500, message: String(e) } });
    }
  });
}).listen(Number(port), address, () => console.log(`fake-gcs listening on ${address}:${port}`));
