import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { isObject, isStringRecord } from './guards.js';

/** Credentials as they rest on disk or in Redis. All binary fields are base64. */
export interface SealedSecret {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

const ALGORITHM = 'aes-256-gcm';
/** Length of a credential key: AES-256 takes 32 bytes. */
export const KEY_BYTES = 32;
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

/** Whether a sealed object still holds what it held when it was opened. */
function sameSealed(a: SealedSecret, b: SealedSecret): boolean {
  return a.v === b.v && a.iv === b.iv && a.tag === b.tag && a.data === b.data;
}
