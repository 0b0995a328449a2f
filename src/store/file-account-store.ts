import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Account } from '../schemas/account.js';
import { AccountExistsError, type AccountStore } from './account-store.js';
import { writeFileAtomic } from './atomic-file.js';
import type { CredentialCipher } from './cipher.js';
import { errorCode, errorMessage, isObject } from './guards.js';
import {
  byCreatedThenId,
  parseSealedAccount,
  sealAccount,
  unsealAccount,
  type SealedAccount,
} from './sealed-account.js';

export const ACCOUNTS_FILE = 'accounts.json';
const FORMAT_VERSION = 1;

interface AccountsFile {
  version: typeof FORMAT_VERSION;
  accounts: SealedAccount[];
}

/** Map key for one account; JSON so that no tenant or id can make two pairs collide. */
function keyOf(tenant: string, id: string): string {
  return JSON.stringify([tenant, id]);
}

/**
 * Keeps every tenant's accounts in one JSON file, for single-instance deployments without Redis.
 * The whole file is rewritten on each change (atomically), which is fine for the hundreds of
 * accounts this is meant for. Only one process may use a data dir: writes are serialized in
 * process, and each instance trusts its in-memory copy.
 */
export class FileAccountStore implements AccountStore {
  readonly #file: string;
  readonly #cipher: CredentialCipher;
  /** Committed state: changed only after the file write that carries the change succeeded. */
  #accounts: Map<string, SealedAccount>;
  /** Tail of the write queue; each mutation runs after the previous one settled. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(file: string, cipher: CredentialCipher, accounts: Map<string, SealedAccount>) {
    this.#file = file;
    this.#cipher = cipher;
    this.#accounts = accounts;
  }

  static async open(opts: { dataDir: string; cipher: CredentialCipher }): Promise<FileAccountStore> {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const file = join(opts.dataDir, ACCOUNTS_FILE);
    return new FileAccountStore(file, opts.cipher, await readAccounts(file));
  }

  async create(account: Account): Promise<void> {
    const sealed = sealAccount(this.#cipher, account);
    await this.#mutate((draft) => {
      const key = keyOf(account.tenant, account.id);
      if (draft.has(key)) throw new AccountExistsError(account.id);
      draft.set(key, sealed);
    });
  }

  async get(tenant: string, id: string): Promise<Account | undefined> {
    const sealed = this.#accounts.get(keyOf(tenant, id));
    return sealed && unsealAccount(this.#cipher, sealed);
  }

  async list(tenant: string): Promise<Account[]> {
    const mine = [...this.#accounts.values()].filter((a) => a.tenant === tenant);
    mine.sort(byCreatedThenId);
    return mine.map((a) => unsealAccount(this.#cipher, a));
  }

  async update(account: Account): Promise<boolean> {
    const sealed = sealAccount(this.#cipher, account);
    return this.#mutate((draft) => {
      const key = keyOf(account.tenant, account.id);
      if (!draft.has(key)) return false;
      draft.set(key, sealed);
      return true;
    });
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return this.#mutate((draft) => draft.delete(keyOf(tenant, id)));
  }

  async ping(): Promise<void> {
    // Nothing to reach: the file is read at open and every write reports its own failure.
  }

  async close(): Promise<void> {
    // Let queued writes land so that a caller who closes and exits does not lose them.
    await this.#queue.catch(() => undefined);
  }

  /**
   * Runs `change` on a copy of the state, persists the copy, then commits it. A failed write
   * therefore leaves memory and file in agreement. Mutations run strictly one after another, so
   * concurrent callers never write from a stale copy and lose each other's changes.
   */
  #mutate<T>(change: (draft: Map<string, SealedAccount>) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const draft = new Map(this.#accounts);
      const result = change(draft);
      // A change that changed nothing (e.g. delete of a missing id) need not touch the disk.
      if (!sameEntries(draft, this.#accounts)) {
        await writeAccounts(this.#file, draft);
        this.#accounts = draft;
      }
      return result;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function sameEntries(a: Map<string, SealedAccount>, b: Map<string, SealedAccount>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

async function writeAccounts(file: string, accounts: Map<string, SealedAccount>): Promise<void> {
  const body: AccountsFile = { version: FORMAT_VERSION, accounts: [...accounts.values()] };
  await writeFileAtomic(file, `${JSON.stringify(body, null, 2)}\n`);
}

/**
 * Loads the file, or an empty store when there is none yet. Anything unreadable is an error that
 * names the file: starting empty would look like every account had been deleted, and the next
 * write would make that true.
 */
async function readAccounts(file: string): Promise<Map<string, SealedAccount>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return new Map();
    throw new Error(`cannot read account store ${file}: ${errorMessage(err)}`);
  }
  const corrupt = (reason: string): Error =>
    new Error(`account store ${file} is corrupt (${reason}); restore it from a backup or move it away`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw corrupt(`invalid JSON: ${errorMessage(err)}`);
  }
  if (!isObject(parsed)) throw corrupt('top level is not an object');
  if (parsed.version !== FORMAT_VERSION)
    throw corrupt(`unsupported version ${JSON.stringify(parsed.version)}`);
  if (!Array.isArray(parsed.accounts)) throw corrupt('"accounts" is not an array');

  const entries: unknown[] = parsed.accounts;
  const accounts = new Map<string, SealedAccount>();
  for (const [index, entry] of entries.entries()) {
    const account = parseSealedAccount(entry);
    if (typeof account === 'string') throw corrupt(`accounts[${index}]: ${account}`);
    const key = keyOf(account.tenant, account.id);
    if (accounts.has(key)) throw corrupt(`accounts[${index}]: duplicate id "${account.id}"`);
    accounts.set(key, account);
  }
  return accounts;
}
