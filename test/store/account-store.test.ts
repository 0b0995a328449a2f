import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import t from 'tap';
import type { Account } from '../../src/schemas/account.js';
import { AccountExistsError, type AccountStore } from '../../src/store/account-store.js';
import { CredentialCipher, DecryptError } from '../../src/store/cipher.js';
import { isObject } from '../../src/store/guards.js';
import { loadOrCreateSecretKey, parseSecretKey, SECRET_KEY_FILE } from '../../src/store/secret-key.js';
import { ACCOUNTS_FILE, FileAccountStore } from '../../src/store/file-account-store.js';
import { RedisAccountStore } from '../../src/store/redis-account-store.js';

type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

const KEY = randomBytes(32);
const cipher = new CredentialCipher(KEY);

let seq = 0;
function account(overrides: Partial<Account> = {}): Account {
  seq += 1;
  return {
    id: `acc_${seq}`,
    tenant: 'tenant_a',
    integration: 'acme',
    name: `Account ${seq}`,
    status: 'active',
    credentials: { api_key: `sk_live_${randomBytes(12).toString('hex')}` },
    context: { base_url: 'https://api.example.com' },
    created_at: new Date(Date.UTC(2024, 0, 1, 0, 0, seq)).toISOString(),
    updated_at: new Date(Date.UTC(2024, 0, 1, 0, 0, seq)).toISOString(),
    ...overrides,
  };
}

/** What the shared suite needs beyond the AccountStore interface: a look at the data at rest. */
interface Harness {
  store: AccountStore;
  /** Every byte the store has persisted, as one string. */
  rawDump(): Promise<string>;
  /**
   * Copies the sealed credentials of `fromId` onto `toId` behind the store's back (as someone with
   * write access to the file or Redis could), and returns a store that sees the tampered data.
   */
  copySealedCredentials(tenant: string, fromId: string, toId: string): Promise<AccountStore>;
}

type OpenHarness = (t: Tap) => Promise<Harness>;

function sealedOf(record: unknown): unknown {
  if (!isObject(record)) throw new Error('stored record is not an object');
  return record.credentials;
}

/** The same behaviour, asserted for every implementation. */
function accountStoreSuite(t: Tap, open: OpenHarness): void {
  t.test('create, get, list, update, delete', async (t) => {
    const { store } = await open(t);
    const a = account();
    await store.create(a);
    t.same(await store.get(a.tenant, a.id), a, 'get returns what was created');
    t.same(await store.list(a.tenant), [a], 'list holds it');

    const changed: Account = {
      ...a,
      name: 'Renamed',
      status: 'needs_reauth',
      credentials: { api_key: 'rotated-key', api_secret: 'second' },
      context: { site: 'eu' },
      updated_at: '2025-02-02T00:00:00.000Z',
    };
    t.equal(await store.update(changed), true, 'update of an existing account reports true');
    t.same(await store.get(a.tenant, a.id), changed, 'update replaced the whole account');
    t.equal(await store.update({ ...changed, id: 'missing' }), false, 'update of a missing id reports false');
    t.equal(await store.get(a.tenant, 'missing'), undefined, 'update did not create');

    t.equal(await store.delete(a.tenant, a.id), true, 'delete reports true');
    t.equal(await store.get(a.tenant, a.id), undefined, 'gone after delete');
    t.same(await store.list(a.tenant), [], 'list is empty after delete');
    t.equal(await store.delete(a.tenant, a.id), false, 'second delete reports false');
    t.equal(await store.update(changed), false, 'update after delete reports false');
  });

  t.test('list is sorted by created_at, then id', async (t) => {
    const { store } = await open(t);
    const late = account({ id: 'a_late', created_at: '2024-03-01T00:00:00.000Z' });
    const tieB = account({ id: 'b_tie', created_at: '2024-02-01T00:00:00.000Z' });
    const tieA = account({ id: 'a_tie', created_at: '2024-02-01T00:00:00.000Z' });
    const early = account({ id: 'z_early', created_at: '2024-01-01T00:00:00.000Z' });
    for (const a of [late, tieB, tieA, early]) await store.create(a);
    t.same(
      (await store.list('tenant_a')).map((a) => a.id),
      ['z_early', 'a_tie', 'b_tie', 'a_late'],
    );
  });

  t.test('tenant isolation', async (t) => {
    const { store } = await open(t);
    const a = account({ tenant: 'tenant_a', id: 'shared' });
    await store.create(a);

    t.equal(await store.get('tenant_b', 'shared'), undefined, 'B cannot get A’s account');
    t.same(await store.list('tenant_b'), [], 'B’s list does not show it');
    t.equal(await store.update({ ...a, tenant: 'tenant_b', name: 'hijacked' }), false, 'B cannot update it');
    t.equal(await store.delete('tenant_b', 'shared'), false, 'B cannot delete it');
    t.same(await store.get('tenant_a', 'shared'), a, 'A’s account is untouched');

    const b = account({ tenant: 'tenant_b', id: 'shared', credentials: { api_key: 'b-key' } });
    await store.create(b);
    t.same(await store.get('tenant_b', 'shared'), b, 'the same id may exist in another tenant');
    t.same(await store.get('tenant_a', 'shared'), a, 'and does not shadow A’s');
    t.equal(await store.delete('tenant_b', 'shared'), true);
    t.same(await store.get('tenant_a', 'shared'), a, 'deleting B’s leaves A’s');
  });

  t.test('create with a taken id throws AccountExistsError', async (t) => {
    const { store } = await open(t);
    const a = account();
    await store.create(a);
    const err = await store.create({ ...a, name: 'dup' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof AccountExistsError, 'is an AccountExistsError');
    t.equal(err instanceof AccountExistsError && err.id, a.id, 'names the id');
    t.same(await store.get(a.tenant, a.id), a, 'the original is kept');
  });

  t.test('credentials round-trip exactly', async (t) => {
    const { store } = await open(t);
    const credentials = {
      api_key: 'plain',
      unicode: 'pässwörd 🔑 日本',
      json_like: '{"a":"b"}\n\t"quoted" \\ backslash',
      long: 'x'.repeat(4096),
      spaces: '  padded  ',
    };
    const a = account({ credentials });
    await store.create(a);
    t.same((await store.get(a.tenant, a.id))?.credentials, credentials);
    const none = account({ credentials: {} });
    await store.create(none);
    t.same((await store.get(none.tenant, none.id))?.credentials, {}, 'an empty map too');
  });

  t.test('returned accounts are copies', async (t) => {
    const { store } = await open(t);
    const a = account();
    const expected = structuredClone(a);
    await store.create(a);
    a.credentials.api_key = 'mutated after create';
    a.context.base_url = 'mutated';
    const got = await store.get(a.tenant, a.id);
    t.same(got, expected, 'mutating the input after create changes nothing');
    if (got) {
      got.credentials.api_key = 'mutated after get';
      got.context.base_url = 'mutated';
    }
    t.same(await store.get(a.tenant, a.id), expected, 'mutating a returned account changes nothing');
  });

  t.test('credentials are encrypted at rest', async (t) => {
    const h = await open(t);
    const secret = `sk_live_${randomBytes(16).toString('hex')}`;
    const a = account({ credentials: { api_key: secret, other: 'hunter2-but-longer' } });
    await h.store.create(a);
    let raw = await h.rawDump();
    t.ok(raw.includes(a.id), 'the dump does contain the account (so the check below means something)');
    t.notOk(raw.includes(secret), 'the secret is not in the data at rest');
    t.notOk(raw.includes('hunter2-but-longer'), 'nor is the other credential');
    t.notOk(raw.includes(Buffer.from(secret).toString('base64')), 'not even as base64');
    t.ok(raw.includes('https://api.example.com'), 'context (not secret) is stored in clear');

    const rotated = `sk_live_${randomBytes(16).toString('hex')}`;
    await h.store.update({ ...a, credentials: { api_key: rotated } });
    raw = await h.rawDump();
    t.notOk(raw.includes(rotated), 'an updated secret is not in clear either');
    t.notOk(raw.includes(secret), 'and the old one is gone');
  });

  t.test('sealed credentials are bound to their account', async (t) => {
    const h = await open(t);
    const victim = account({ id: 'victim', credentials: { api_key: 'victim-secret' } });
    const attacker = account({ id: 'attacker', credentials: { api_key: 'attacker-secret' } });
    await h.store.create(victim);
    await h.store.create(attacker);
    const tampered = await h.copySealedCredentials('tenant_a', 'victim', 'attacker');
    await t.rejects(tampered.get('tenant_a', 'attacker'), DecryptError, 'the moved blob does not decrypt');
    t.same(await tampered.get('tenant_a', 'victim'), victim, 'the original still decrypts');
  });

  t.test('50 concurrent creates are all kept', async (t) => {
    const { store } = await open(t);
    const accounts = Array.from({ length: 50 }, (_, i) => account({ id: `conc_${i}` }));
    await Promise.all(accounts.map((a) => store.create(a)));
    const listed = await store.list('tenant_a');
    t.equal(listed.length, 50);
    t.same(new Set(listed.map((a) => a.id)), new Set(accounts.map((a) => a.id)));
    for (const a of accounts) t.same(await store.get(a.tenant, a.id), a);
  });

  t.test('concurrent creates of one id: exactly one wins', async (t) => {
    const { store } = await open(t);
    const attempts = Array.from({ length: 10 }, (_, i) => account({ id: 'race', name: `try ${i}` }));
    const results = await Promise.allSettled(attempts.map((a) => store.create(a)));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [attempts[i]] : []));
    t.equal(won.length, 1, 'one create succeeded');
    t.ok(
      results.every((r) => r.status === 'fulfilled' || r.reason instanceof AccountExistsError),
      'all others failed with AccountExistsError',
    );
    t.same(await store.get('tenant_a', 'race'), won[0], 'and the winner is what is stored');
  });

  t.test('concurrent mixed writes stay consistent', async (t) => {
    const { store } = await open(t);
    const keep = Array.from({ length: 20 }, (_, i) => account({ id: `keep_${i}` }));
    const drop = Array.from({ length: 20 }, (_, i) => account({ id: `drop_${i}` }));
    await Promise.all([...keep, ...drop].map((a) => store.create(a)));
    await Promise.all([
      ...drop.map((a) => store.delete(a.tenant, a.id)),
      ...keep.map((a) => store.update({ ...a, name: `${a.name} v2` })),
    ]);
    const listed = await store.list('tenant_a');
    t.same(
      listed.map((a) => [a.id, a.name]),
      keep.map((a) => [a.id, `${a.name} v2`]),
    );
  });

  t.test('ping and close resolve', async (t) => {
    const { store } = await open(t);
    await t.resolves(store.ping());
    await t.resolves(store.close());
  });
}

t.test('file store', async (t) => {
  const openFile: OpenHarness = async (t) => {
    const dataDir = t.testdir();
    let store = await FileAccountStore.open({ dataDir, cipher });
    t.teardown(() => store.close());
    const file = join(dataDir, ACCOUNTS_FILE);
    return {
      get store() {
        return store;
      },
      rawDump: () => readFile(file, 'latin1'),
      async copySealedCredentials(tenant, fromId, toId) {
        await store.close();
        const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
        if (!isObject(parsed) || !Array.isArray(parsed.accounts)) throw new Error('unexpected file shape');
        const records: unknown[] = parsed.accounts;
        const find = (id: string): Record<string, unknown> => {
          const r = records.find((r) => isObject(r) && r.tenant === tenant && r.id === id);
          if (!isObject(r)) throw new Error(`no record ${id}`);
          return r;
        };
        find(toId).credentials = sealedOf(find(fromId));
        await writeFile(file, JSON.stringify(parsed));
        store = await FileAccountStore.open({ dataDir, cipher });
        return store;
      },
    };
  };

  accountStoreSuite(t, openFile);

  t.test('survives a restart', async (t) => {
    const dataDir = t.testdir();
    const first = await FileAccountStore.open({ dataDir, cipher });
    const a = account({ tenant: 't1' });
    const b = account({ tenant: 't1' });
    const c = account({ tenant: 't2' });
    for (const x of [a, b, c]) await first.create(x);
    const a2 = { ...a, name: 'updated', credentials: { api_key: 'new' } };
    await first.update(a2);
    await first.delete('t1', b.id);
    await first.close();

    const second = await FileAccountStore.open({ dataDir, cipher });
    t.teardown(() => second.close());
    t.same(await second.list('t1'), [a2]);
    t.same(await second.list('t2'), [c]);
    await t.rejects(second.create(c), AccountExistsError, 'ids taken before the restart stay taken');
  });

  t.test('file is mode 0600 and no temp files are left', async (t) => {
    const dataDir = t.testdir();
    const store = await FileAccountStore.open({ dataDir, cipher });
    t.teardown(() => store.close());
    await Promise.all(Array.from({ length: 5 }, () => store.create(account())));
    t.equal((await stat(join(dataDir, ACCOUNTS_FILE))).mode & 0o777, 0o600);
    t.same(await readdir(dataDir), [ACCOUNTS_FILE]);
  });

  t.test('a missing file is an empty store, and reads do not create it', async (t) => {
    const dataDir = join(t.testdir(), 'not', 'yet');
    const store = await FileAccountStore.open({ dataDir, cipher });
    t.teardown(() => store.close());
    t.same(await store.list('tenant_a'), []);
    t.equal(await store.get('tenant_a', 'x'), undefined);
    t.equal(await store.delete('tenant_a', 'x'), false);
    t.same(await readdir(dataDir), [], 'nothing written for no change');
  });

  t.test('a corrupt file is rejected with an error naming it', async (t) => {
    const cases: Record<string, string> = {
      'invalid JSON': '{"version":1,"accounts":[',
      'wrong top level': '[]',
      'unknown version': '{"version":99,"accounts":[]}',
      'clear-text credentials': JSON.stringify({
        version: 1,
        accounts: [{ ...account(), credentials: { api_key: 'plain' } }],
      }),
    };
    for (const [label, content] of Object.entries(cases)) {
      const dataDir = t.testdir();
      const file = join(dataDir, ACCOUNTS_FILE);
      await writeFile(file, content);
      const err = await FileAccountStore.open({ dataDir, cipher }).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(err instanceof Error && err.message.includes(file), `${label}: error names ${file}`);
      t.equal(await readFile(file, 'utf8'), content, `${label}: file left as it was`);
    }
  });

  t.test('a store opened with another key cannot read the credentials', async (t) => {
    const dataDir = t.testdir();
    const store = await FileAccountStore.open({ dataDir, cipher });
    const a = account();
    await store.create(a);
    await store.close();
    const other = await FileAccountStore.open({ dataDir, cipher: new CredentialCipher(randomBytes(32)) });
    t.teardown(() => other.close());
    await t.rejects(other.get(a.tenant, a.id), DecryptError);
  });
});

t.test('redis store', async (t) => {
  // No skip when Redis is down: CI guarantees one, so an unreachable Redis must fail this test.
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  let lastError: unknown;
  redis.on('error', (err: unknown) => (lastError = err));
  const runPrefix = `meterway-test:${randomUUID()}:`;
  try {
    await redis.connect();
  } catch (err) {
    const cause = lastError instanceof Error ? lastError.message : String(err);
    throw new Error(`Redis at ${url} is unreachable (${cause}); these tests need one, see REDIS_URL`);
  }
  t.teardown(async () => {
    const keys = await keysUnder(redis, runPrefix);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  let harnesses = 0;
  const openRedis: OpenHarness = async (t) => {
    harnesses += 1;
    const prefix = `${runPrefix}${harnesses}:`;
    const store = new RedisAccountStore(redis, cipher, prefix, { ownsConnection: false });
    t.teardown(() => store.close());
    return {
      store,
      async rawDump() {
        const parts: string[] = [];
        for (const key of await keysUnder(redis, prefix)) {
          // HGETALL on purpose: the store's layout is hashes, and this reads them byte for byte.
          const all = await redis.hgetall(key);
          for (const [field, value] of Object.entries(all)) parts.push(key, field, value);
        }
        return parts.join('\n');
      },
      async copySealedCredentials(tenant, fromId, toId) {
        const key = store.keyFor(tenant);
        const from: unknown = JSON.parse((await redis.hget(key, fromId)) ?? 'null');
        const to: unknown = JSON.parse((await redis.hget(key, toId)) ?? 'null');
        if (!isObject(to)) throw new Error(`no record ${toId}`);
        to.credentials = sealedOf(from);
        await redis.hset(key, toId, JSON.stringify(to));
        return store;
      },
    };
  };

  accountStoreSuite(t, openRedis);

  t.test('layout: one hash per tenant, sealed values', async (t) => {
    const { store } = await openRedis(t);
    if (!(store instanceof RedisAccountStore)) throw new Error('expected a RedisAccountStore');
    const a = account({ tenant: 'tenant_x' });
    await store.create(a);
    const key = store.keyFor('tenant_x');
    t.equal(await redis.type(key), 'hash');
    const all = await redis.hgetall(key);
    t.same(Object.keys(all), [a.id], 'field is the account id');
    const stored: unknown = JSON.parse(all[a.id] ?? 'null');
    t.match(stored, {
      id: a.id,
      tenant: 'tenant_x',
      credentials: { v: 1, iv: String, tag: String, data: String },
    });
    t.notOk(isObject(stored) && isObject(stored.credentials) && 'api_key' in stored.credentials);
  });

  t.test('a whole record moved into another tenant is refused', async (t) => {
    const { store } = await openRedis(t);
    if (!(store instanceof RedisAccountStore)) throw new Error('expected a RedisAccountStore');
    const a = account({ tenant: 'tenant_a', id: 'moved' });
    await store.create(a);
    const value = await redis.hget(store.keyFor('tenant_a'), 'moved');
    await redis.hset(store.keyFor('tenant_b'), 'moved', value ?? '');
    await t.rejects(store.get('tenant_b', 'moved'), /another account/);
    await t.rejects(store.list('tenant_b'), /another account/);
  });

  t.test('a malformed value is an error naming the key', async (t) => {
    const { store } = await openRedis(t);
    if (!(store instanceof RedisAccountStore)) throw new Error('expected a RedisAccountStore');
    const key = store.keyFor('tenant_a');
    await redis.hset(key, 'bad', '{not json');
    await t.rejects(store.get('tenant_a', 'bad'), { message: new RegExp(escapeRegExp(key)) });
  });

  t.test('update falls back to EVAL when the server does not know the script', async (t) => {
    // A fresh or flushed server answers NOSCRIPT to EVALSHA. Simulated here rather than with
    // SCRIPT FLUSH, which would reach into every other user of the shared CI Redis.
    let evals = 0;
    const noScriptCache = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'evalsha') {
          return () => Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
        }
        if (prop === 'eval') evals += 1;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = new RedisAccountStore(noScriptCache, cipher, `${runPrefix}noscript:`, {
      ownsConnection: false,
    });
    const a = account();
    await store.create(a);
    t.equal(await store.update({ ...a, name: 'via eval' }), true);
    t.equal(await store.update({ ...a, id: 'missing' }), false);
    t.equal(evals, 2, 'EVAL was used');
    t.equal((await store.get(a.tenant, a.id))?.name, 'via eval');
  });

  t.test('close quits only a connection the store owns', async (t) => {
    const shared = new RedisAccountStore(redis, cipher, `${runPrefix}shared:`, { ownsConnection: false });
    await shared.close();
    t.equal(await redis.ping(), 'PONG', 'a shared connection stays open');

    const own = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
    await own.connect();
    const owning = new RedisAccountStore(own, cipher, `${runPrefix}owned:`);
    await owning.ping();
    const ended = once(own, 'end');
    await owning.close();
    await ended;
    t.equal(own.status, 'end', 'an owned connection is quit');
    await t.resolves(owning.close(), 'closing twice is harmless');
  });
});

t.test('CredentialCipher', async (t) => {
  const plain = { api_key: 'k', api_secret: 's' };

  t.test('round-trips and uses a fresh IV each time', async (t) => {
    const one = cipher.encrypt(plain, 'ten/acc');
    const two = cipher.encrypt(plain, 'ten/acc');
    t.same(cipher.decrypt(one, 'ten/acc'), plain);
    t.not(one.iv, two.iv, 'IVs differ');
    t.not(one.data, two.data, 'so do the ciphertexts');
    t.equal(one.v, 1);
    t.equal(Buffer.from(one.iv, 'base64').length, 12, '12-byte IV');
    t.equal(Buffer.from(one.tag, 'base64').length, 16, '16-byte tag');
  });

  t.test('a sealed object opened before is answered from memory, as a fresh copy', async (t) => {
    const sealed = cipher.encrypt(plain, 'ten/acc');
    const first = cipher.decrypt(sealed, 'ten/acc');
    first.api_key = 'edited by a caller';
    t.same(cipher.decrypt(sealed, 'ten/acc'), plain, 'a caller editing its copy changes nothing');
    t.throws(() => cipher.decrypt(sealed, 'ten/other'), DecryptError, 'another AAD still fails');
    const original = sealed.data;
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = (data[0] as number) ^ 1;
    sealed.data = data.toString('base64');
    t.throws(
      () => cipher.decrypt(sealed, 'ten/acc'),
      DecryptError,
      'edited in place: opened afresh, and fails',
    );
    sealed.data = original;
    t.same(cipher.decrypt(sealed, 'ten/acc'), plain);
  });

  t.test('fails on wrong AAD, wrong key, or tampering', async (t) => {
    const sealed = cipher.encrypt(plain, 'ten/acc');
    t.throws(() => cipher.decrypt(sealed, 'ten/other'), DecryptError, 'other account');
    t.throws(() => cipher.decrypt(sealed, 'other/acc'), DecryptError, 'other tenant');
    t.throws(
      () => new CredentialCipher(randomBytes(32)).decrypt(sealed, 'ten/acc'),
      DecryptError,
      'other key',
    );
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    t.throws(() => cipher.decrypt({ ...sealed, data: data.toString('base64') }, 'ten/acc'), DecryptError);
    const tag = Buffer.from(sealed.tag, 'base64');
    t.throws(
      () => cipher.decrypt({ ...sealed, tag: tag.subarray(0, 4).toString('base64') }, 'ten/acc'),
      DecryptError,
      'a truncated tag is refused, not accepted as a weaker one',
    );
    const unknownVersion: unknown = { ...sealed, v: 2 };
    t.throws(() => cipher.decrypt(unknownVersion as typeof sealed, 'ten/acc'), DecryptError);
  });

  t.test('the ciphertext does not contain the plaintext', async (t) => {
    const sealed = cipher.encrypt({ api_key: 'very-secret-value' }, 'a/b');
    t.notOk(JSON.stringify(sealed).includes('very-secret-value'));
    t.notOk(
      Buffer.from(sealed.data, 'base64').toString('latin1').includes('very-secret-value'),
      'not even in the decoded bytes',
    );
  });

  t.test('requires a 32-byte key', async (t) => {
    t.throws(() => new CredentialCipher(randomBytes(31)), /32 bytes/);
    t.throws(() => new CredentialCipher(randomBytes(33)), /32 bytes/);
  });
});

t.test('parseSecretKey', async (t) => {
  const key = randomBytes(32);
  t.same(parseSecretKey(key.toString('hex')), key, 'hex');
  t.same(parseSecretKey(key.toString('hex').toUpperCase()), key, 'upper-case hex');
  t.same(parseSecretKey(key.toString('base64')), key, 'base64');
  t.same(parseSecretKey(key.toString('base64').replace(/=$/, '')), key, 'base64 without padding');
  t.same(parseSecretKey(`  ${key.toString('hex')}\n`), key, 'surrounding whitespace is ignored');

  const bad = {
    'too short hex': key.toString('hex').slice(0, 62),
    'too long hex': `${key.toString('hex')}00`,
    'base64 of 31 bytes': randomBytes(31).toString('base64'),
    'base64 of 48 bytes': randomBytes(48).toString('base64'),
    'not hex': 'g'.repeat(64),
    empty: '',
    passphrase: 'correct horse battery staple',
  };
  for (const [label, text] of Object.entries(bad)) {
    const err = (() => {
      try {
        parseSecretKey(text);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    t.ok(err instanceof Error && /64 hex characters or base64 of 32 bytes/.test(err.message), label);
    if (text.length > 8) {
      t.notOk(err instanceof Error && err.message.includes(text), `${label}: input not echoed`);
    }
  }
});

t.test('loadOrCreateSecretKey', async (t) => {
  t.test('generates a 0600 key file once, then reads it back', async (t) => {
    const dataDir = join(t.testdir(), 'nested', 'data');
    const warnings: string[] = [];
    const warn = (msg: string): void => void warnings.push(msg);
    const first = await loadOrCreateSecretKey({ dataDir, allowGenerate: true, warn });
    t.equal(first.length, 32);
    const file = join(dataDir, SECRET_KEY_FILE);
    t.equal((await stat(file)).mode & 0o777, 0o600, 'key file is 0600');
    t.same(parseSecretKey(await readFile(file, 'utf8')), first, 'the file holds the returned key');
    t.same(await readdir(dataDir), [SECRET_KEY_FILE], 'no temp file left behind');
    t.equal(warnings.length, 1, 'warned once');
    t.match(warnings[0], /generated/);
    t.match(warnings[0], /METERWAY_SECRET_KEY/);

    const second = await loadOrCreateSecretKey({ dataDir, allowGenerate: true, warn });
    t.same(second, first, 'second call returns the same key');
    t.equal(warnings.length, 1, 'and does not warn again');
    const third = await loadOrCreateSecretKey({ dataDir, allowGenerate: false, warn });
    t.same(third, first, 'an existing file is used even when generating is not allowed');
  });

  t.test('the environment wins over the file', async (t) => {
    const dataDir = t.testdir();
    const warn = (): void => undefined;
    const fileKey = await loadOrCreateSecretKey({ dataDir, allowGenerate: true, warn });
    const envKey = randomBytes(32);
    t.same(
      await loadOrCreateSecretKey({ fromEnv: envKey.toString('base64'), dataDir, allowGenerate: true, warn }),
      envKey,
    );
    t.notSame(envKey, fileKey);
    t.same(
      await loadOrCreateSecretKey({ fromEnv: '', dataDir, allowGenerate: false, warn }),
      fileKey,
      'an empty env value counts as unset',
    );
  });

  t.test('an env key does not create a file', async (t) => {
    const dataDir = t.testdir();
    const envKey = randomBytes(32);
    const warnings: string[] = [];
    const got = await loadOrCreateSecretKey({
      fromEnv: envKey.toString('hex'),
      dataDir,
      allowGenerate: true,
      warn: (m) => void warnings.push(m),
    });
    t.same(got, envKey);
    t.same(await readdir(dataDir), []);
    t.same(warnings, []);
  });

  t.test('without a key and allowGenerate=false it throws', async (t) => {
    const dataDir = t.testdir();
    await t.rejects(
      loadOrCreateSecretKey({ dataDir, allowGenerate: false, warn: () => undefined }),
      /METERWAY_SECRET_KEY is required/,
    );
    t.same(await readdir(dataDir), [], 'and writes nothing');
  });

  t.test('a bad env key or key file is an error, not a silent new key', async (t) => {
    const dataDir = t.testdir();
    await t.rejects(
      loadOrCreateSecretKey({ fromEnv: 'nope', dataDir, allowGenerate: true, warn: () => undefined }),
      /METERWAY_SECRET_KEY is invalid/,
    );
    const file = join(dataDir, SECRET_KEY_FILE);
    await writeFile(file, 'not a key\n');
    await chmod(file, 0o600);
    await t.rejects(loadOrCreateSecretKey({ dataDir, allowGenerate: true, warn: () => undefined }), {
      message: new RegExp(escapeRegExp(file)),
    });
    t.equal(await readFile(file, 'utf8'), 'not a key\n', 'the bad file is not overwritten');
  });
});

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
