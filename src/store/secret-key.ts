import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { KEY_BYTES } from './cipher.js';
import { errorCode, errorMessage } from './guards.js';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;

/**
 * Reads a 32-byte key written as 64 hex characters or as base64. The message never echoes the
 * input, since a near-miss is probably a real key that should not end up in logs.
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (BASE64_KEY.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(
    `secret key must be ${KEY_BYTES * 2} hex characters or base64 of ${KEY_BYTES} bytes ` +
      `(got ${trimmed.length} characters); generate one with: openssl rand -hex ${KEY_BYTES}`,
  );
}

export interface LoadSecretKeyOptions {
  /** Value of METERWAY_SECRET_KEY; empty counts as unset. */
  fromEnv?: string;
  dataDir: string;
  /** False in production, where a generated key would silently differ between replicas. */
  allowGenerate: boolean;
  warn: (msg: string) => void;
}

export const SECRET_KEY_FILE = 'secret.key';

/**
 * Finds the credential key: METERWAY_SECRET_KEY, else `<dataDir>/secret.key`, else (when allowed)
 * a newly generated key saved there so that a restart can still read what was sealed with it.
 */
export async function loadOrCreateSecretKey(opts: LoadSecretKeyOptions): Promise<Buffer> {
  if (opts.fromEnv !== undefined && opts.fromEnv.trim() !== '') {
    try {
      return parseSecretKey(opts.fromEnv);
    } catch (err) {
      throw new Error(`METERWAY_SECRET_KEY is invalid: ${errorMessage(err)}`);
    }
  }

  const file = join(opts.dataDir, SECRET_KEY_FILE);
  const existing = await readIfExists(file);
  if (existing !== undefined) {
    try {
      return parseSecretKey(existing);
    } catch (err) {
      throw new Error(`${file} does not hold a valid key: ${errorMessage(err)}`);
    }
  }

  if (!opts.allowGenerate) {
    throw new Error(
      `METERWAY_SECRET_KEY is required (no ${file} found); ` +
        `generate one with: openssl rand -hex ${KEY_BYTES}`,
    );
  }

  const key = randomBytes(KEY_BYTES);
  await writeFileAtomic(file, `${key.toString('hex')}\n`);
  opts.warn(
    `generated a new credential encryption key at ${file}; ` +
      `production must set METERWAY_SECRET_KEY instead (losing this key makes stored credentials unreadable)`,
  );
  return key;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}
