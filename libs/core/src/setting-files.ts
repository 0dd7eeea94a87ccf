import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The files settings name (passwords, CAs, client certificates and keys), read once at start. Each reader records
// what is wrong with its file in `problems`, named by the setting, so that one error can list every problem at once.

/** readSettingFile reads the file a setting names, or records why it cannot be read. */
export function readSettingFile(setting: string, file: string, problems: string[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${setting}: cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

/** readSecretFile reads a password from a file; the final newline of `echo secret > file` is no part of it, and an empty file is a problem. */
export function readSecretFile(setting: string, file: string, problems: string[]): string | undefined {
  const secret = readSettingFile(setting, file, problems)?.replace(/\r?\n$/, '');
  if (secret === '') problems.push(`${setting}: ${file} is empty`);
  return secret || undefined;
}

/** readCertificates reads a PEM file and checks that it holds certificates, each of which parses. */
export function readCertificates(setting: string, file: string, problems: string[]): string | undefined {
  const pem = readSettingFile(setting, file, problems);
  if (pem === undefined) return undefined;
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    problems.push(`${setting}: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      problems.push(`${setting}: a certificate in ${file} cannot be read: ${(err as Error).message}`);
      return undefined;
    }
  }
  return pem;
}

/** readPrivateKey reads a PEM private key that needs no passphrase. */
export function readPrivateKey(setting: string, file: string, problems: string[]): string | undefined {
  const pem = readSettingFile(setting, file, problems);
  if (pem === undefined) return undefined;
  try {
    createPrivateKey(pem);
    return pem;
  } catch (err) {
    problems.push(`${setting}: ${file} holds no private key that can be read without a passphrase: ${(err as Error).message}`);
    return undefined;
  }
}
