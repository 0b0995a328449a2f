import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Account } from '../schemas/account.js';

/** Credentials as they rest on disk or in Redis. All binary fields are base64. */
export interface SealedSecret {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
// 96-bit IVs are what GCM is specified for; other lengths get hashed into one and lose margin.
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown for every decryption failure, whatever the cause, so callers need not tell them apart. */
export class DecryptError extends Error {
  constructor(reason: string) {
    super(`credentials could not be decrypted: ${reason}`);
    this.name = 'DecryptError';
  }
}

/**
 * Seals credential maps with AES-256-GCM. The AAD (callers pass `${tenant}/${id}`) is authenticated
 * but not stored, so a blob copied onto another account or tenant fails to open instead of handing
 * one account's secrets to another.
 */
export class CredentialCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new Error(`credential key must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    // Own copy, so a caller that later zeroes or reuses its buffer does not change our key.
    this.#key = Buffer.from(key);
  }

  encrypt(plain: Record<string, string>, aad: string): SealedSecret {
    // A fresh random IV every time: reusing an IV under one GCM key leaks plaintext and the auth key.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    return {
      v: 1,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  /**
   * What each sealed object (by identity) opened to, under which AAD. The embedded store keeps its
   * sealed objects in memory and asked for the same ones on every request; opening AES-GCM
   * (a cipher context each time) was a tenth of a raw request's CPU. This holds nothing a reader of
   * the process memory could not decrypt anyway: the key that opens every sealed object is here too.
   * An entry goes with its sealed object, i.e. when the account changes or is deleted.
   */
  readonly #opened = new WeakMap<object, { aad: string; was: SealedSecret; plain: Record<string, string> }>();

  decrypt(sealed: SealedSecret, aad: string): Record<string, string> {
    const known = typeof sealed === 'object' && sealed !== null ? this.#opened.get(sealed) : undefined;
    // A copy each time, so a caller that edits its credentials cannot change the next caller's.
    // The ciphertext is compared too, so an object edited in place is opened afresh.
    if (known && known.aad === aad && sameSealed(known.was, sealed)) return { ...known.plain };
    const plain = this.open(sealed, aad);
    this.#opened.set(sealed, { aad, was: { ...sealed }, plain: { ...plain } });
    return plain;
  }

  private open(sealed: SealedSecret, aad: string): Record<string, string> {
    if (!isSealedSecret(sealed)) throw new DecryptError('not a sealed secret of a known version');
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    // Checked by hand: a short tag would otherwise weaken authentication rather than fail.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptError('malformed iv or tag');
    let text: string;
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // Node's message ("Unsupported state or unable to authenticate data") helps nobody.
      throw new DecryptError('wrong key, tampered data, or sealed for another account');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new DecryptError('plaintext is not JSON');
    }
    if (!isStringRecord(parsed)) throw new DecryptError('plaintext is not a map of strings');
    return parsed;
  }
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  if (!isObject(value)) return false;
  return (
    value.v === 1 &&
    typeof value.iv === 'string' &&
    typeof value.tag === 'string' &&
    typeof value.data === 'string'
  );
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

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

/**
 * Writes `file` so that readers see either the old content or the whole new content, never a torn
 * one: write and fsync a private temp file in the same directory (rename is only atomic within one
 * filesystem), then rename it over the target. Mode 0600 because the content is secret.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // 'wx' so we never follow a planted symlink or reuse someone else's file.
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

// Makes the rename itself durable. Some platforms cannot open a directory for fsync; the data is
// already synced then, so only the rename could be lost in a crash, and that is acceptable.
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}

export function errorCode(err: unknown): string | undefined {
  return isObject(err) && typeof err.code === 'string' ? err.code : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether a sealed object still holds what it held when it was opened. */
function sameSealed(a: SealedSecret, b: SealedSecret): boolean {
  return a.v === b.v && a.iv === b.iv && a.tag === b.tag && a.data === b.data;
}

/** An account as stored: everything but the credentials in clear, credentials sealed. */
export interface SealedAccount extends Omit<Account, 'credentials'> {
  credentials: SealedSecret;
}

/** The AAD that ties sealed credentials to one account of one tenant. */
export function accountAad(tenant: string, id: string): string {
  return `${tenant}/${id}`;
}

export function sealAccount(cipher: CredentialCipher, account: Account): SealedAccount {
  return {
    id: account.id,
    tenant: account.tenant,
    integration: account.integration,
    name: account.name,
    status: account.status,
    credentials: cipher.encrypt(account.credentials, accountAad(account.tenant, account.id)),
    context: { ...account.context },
    ...(account.mapping_overrides === undefined
      ? {}
      : { mapping_overrides: structuredClone(account.mapping_overrides) }),
    created_at: account.created_at,
    updated_at: account.updated_at,
  };
}

export function unsealAccount(cipher: CredentialCipher, sealed: SealedAccount): Account {
  return {
    ...sealed,
    context: { ...sealed.context },
    credentials: cipher.decrypt(sealed.credentials, accountAad(sealed.tenant, sealed.id)),
  };
}

/** The order list() returns: oldest first, ties broken by id so the order is stable. */
export function byCreatedThenId(a: SealedAccount, b: SealedAccount): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function isStatus(value: unknown): value is Account['status'] {
  return value === 'active' || value === 'needs_reauth' || value === 'blocked';
}

const STRING_FIELDS = ['id', 'tenant', 'integration', 'name', 'created_at', 'updated_at'] as const;

/** Narrows a parsed stored record; returns the reason as a string when it is not one. */
export function parseSealedAccount(value: unknown): SealedAccount | string {
  if (!isObject(value)) return 'not an object';
  for (const field of STRING_FIELDS) {
    if (typeof value[field] !== 'string') return `"${field}" is not a string`;
  }
  const {
    id,
    tenant,
    integration,
    name,
    status,
    credentials,
    context,
    created_at,
    updated_at,
    mapping_overrides,
  } = value as Record<(typeof STRING_FIELDS)[number], string> & Record<string, unknown>;
  if (!isStatus(status)) return '"status" is not a known status';
  if (!isSealedSecret(credentials)) return '"credentials" is not a sealed secret';
  if (!isStringRecord(context)) return '"context" is not a map of strings';
  if (mapping_overrides !== undefined && !isObject(mapping_overrides))
    return '"mapping_overrides" is not an object';
  const sealed: SealedAccount = {
    id,
    tenant,
    integration,
    name,
    status,
    credentials,
    context,
    created_at,
    updated_at,
  };
  if (mapping_overrides !== undefined) sealed.mapping_overrides = mapping_overrides;
  return sealed;
}
