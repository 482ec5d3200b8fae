/**
 * Certificates for the tests, made with openssl: a test CA for the emulators, and cert-manager's work for the
 * synthesized Issuers and Certificates (the harness acts as cert-manager).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

const USAGE_NAMES: { [usage: string]: string } = { 'server auth': 'serverAuth', 'client auth': 'clientAuth' };

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCa(dir: string, commonName: string): KeyPair {
  fs.mkdirSync(dir, { recursive: true });
  const base = commonName.replace(/[^a-z0-9-]/gi, '_');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-subj', `/CN=${commonName}`, '-keyout', `${base}.key`, '-out', `${base}.crt`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { cert: fs.readFileSync(path.join(dir, `${base}.crt`), 'utf8'), key: fs.readFileSync(path.join(dir, `${base}.key`), 'utf8') };
}

export interface LeafOptions {
  readonly commonName: string;
  readonly dnsNames?: string[];
  readonly usages?: string[];
}

/** A certificate signed by `ca`. pgBackRest 2.45 matches host names against DNS SANs only. */
export function issue(dir: string, ca: KeyPair, options: LeafOptions): KeyPair {
  fs.mkdirSync(dir, { recursive: true });
  const base = `${options.commonName.replace(/[^a-z0-9-]/gi, '_')}-${Math.random().toString(36).slice(2, 8)}`;
  fs.writeFileSync(path.join(dir, `${base}.ca.crt`), ca.cert);
  fs.writeFileSync(path.join(dir, `${base}.ca.key`), ca.key, { mode: 0o600 });
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${options.commonName}`,
    '-keyout', `${base}.key`, '-out', `${base}.csr`], dir);
  const ext: string[] = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment'];
  if (options.dnsNames?.length) ext.push(`subjectAltName=${options.dnsNames.map(n => `DNS:${n}`).join(',')}`);
  const eku = (options.usages ?? ['server auth', 'client auth']).map(u => USAGE_NAMES[u]).filter(Boolean);
  if (eku.length) ext.push(`extendedKeyUsage=${eku.join(',')}`);
  fs.writeFileSync(path.join(dir, `${base}.ext`), ext.join('\n') + '\n');
  openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', `${base}.ca.crt`, '-CAkey', `${base}.ca.key`, '-CAcreateserial',
    '-days', '30', '-extfile', `${base}.ext`, '-out', `${base}.crt`], dir);
  return { cert: fs.readFileSync(path.join(dir, `${base}.crt`), 'utf8'), key: fs.readFileSync(path.join(dir, `${base}.key`), 'utf8') };
}

/**
 * Does cert-manager's work for the synthesized Issuers and Certificates: returns the Secrets (name -> data) the
 * Certificates ask for, each with `tls.crt`, `tls.key` and `ca.crt`.
 */
type SecretData = { [key: string]: string };

export function issueCertManagerSecrets(manifests: any[], dir: string, existing: Map<string, SecretData> = new Map()): Map<string, SecretData> {
  const issuers = new Map<string, any>(manifests.filter(m => m.apiVersion === 'cert-manager.io/v1' && m.kind === 'Issuer').map(m => [m.metadata.name, m]));
  const certificates = manifests.filter(m => m.apiVersion === 'cert-manager.io/v1' && m.kind === 'Certificate');
  const secrets = new Map<string, { [key: string]: string }>();
  const pending = [...certificates];
  for (let round = 0; pending.length && round < 5; round++) {
    for (const cert of [...pending]) {
      const issuer = issuers.get(cert.spec.issuerRef.name);
      if (!issuer) throw new Error(`Certificate ${cert.metadata.name}: no Issuer ${cert.spec.issuerRef.name} in the manifests`);
      let pair: KeyPair;
      let caCert: string;
      if (issuer.spec.selfSigned) {
        if (!cert.spec.isCA) throw new Error('the harness only self-signs CA certificates');
        const kept = existing.get(cert.spec.secretName);
        pair = kept ? { cert: kept['tls.crt'], key: kept['tls.key'] } : makeCa(dir, cert.spec.commonName);
        caCert = pair.cert;
      } else if (issuer.spec.ca) {
        // The CA's Secret: issued in this run (a later round, if not yet), or one that exists (a user's CA).
        const caSecret = secrets.get(issuer.spec.ca.secretName) ?? existing.get(issuer.spec.ca.secretName);
        if (!caSecret) continue;
        pair = issue(dir, { cert: caSecret['tls.crt'], key: caSecret['tls.key'] }, {
          commonName: cert.spec.commonName, dnsNames: cert.spec.dnsNames, usages: cert.spec.usages,
        });
        caCert = caSecret['tls.crt'];
      } else {
        throw new Error(`Issuer ${issuer.metadata.name}: only selfSigned and ca issuers are emulated`);
      }
      secrets.set(cert.spec.secretName, { 'tls.crt': pair.cert, 'tls.key': pair.key, 'ca.crt': caCert });
      pending.splice(pending.indexOf(cert), 1);
    }
  }
  if (pending.length) throw new Error(`could not issue: ${pending.map(c => c.metadata.name).join(', ')}`);
  return secrets;
}
