import type { FastifyBaseLogger } from 'fastify';
import type { AccountStore } from '../store/account-store.js';
import type { Account } from '../schemas/account.js';
import type { ConnectorRegistry } from './registry.js';
import type { UsageRequest } from './usage-request.js';
import { AppError } from '../errors.js';
import type { StreamChunk, UsageAnswer, UsageEngine } from './engine.js';

export interface ServeArgs {
  tenant: string;
  request: UsageRequest;
  log: FastifyBaseLogger;
}

/** Answers GET /unified/usage-metering/usage: finds the account and its connector, then asks the engine. */
export class UsageService {
  constructor(
    private readonly accounts: AccountStore,
    private readonly connectors: ConnectorRegistry,
    private readonly engine: UsageEngine,
  ) {}

  async answer({ tenant, request, log }: ServeArgs): Promise<UsageAnswer> {
    const account = await this.accounts.get(tenant, request.accountId);
    if (!account) {
      throw new AppError(
        'account_not_found',
        `No integrated account "${request.accountId}" for this token.`,
        {
          details: { parameter: 'integrated_account_id' },
        },
      );
    }
    if (account.status !== 'active') {
      throw new AppError(
        account.status === 'needs_reauth' ? 'account_needs_reauth' : 'account_blocked',
        account.status === 'needs_reauth'
          ? `Account "${account.id}" needs new credentials: PATCH /integrated-accounts/${account.id}.`
          : `Account "${account.id}" is blocked; an operator must set its status back to active.`,
      );
    }
    const connector = this.connectors.get(account.integration);
    if (!connector?.implemented) {
      throw new AppError(
        'not_implemented',
        `The ${account.integration} integration has no usage connector yet; its account is stored and will work once the connector lands.`,
        { details: { integration: account.integration } },
      );
    }
    let answer: UsageAnswer;
    try {
      answer = await this.engine.answer(tenant, account, connector, request, log);
    } catch (err) {
      if (err instanceof AppError && err.code === 'account_needs_reauth') {
        await this.markNeedsReauth(account, log);
      }
      throw err;
    }
    if (answer.kind !== 'stream') return answer;
    return { ...answer, chunks: this.watchStream(answer.chunks, account, log) };
  }

  /** A stream whose closing error line says the vendor refused the credentials marks the account too. */
  private async *watchStream(
    chunks: AsyncGenerator<StreamChunk, void>,
    account: Account,
    log: FastifyBaseLogger,
  ): AsyncGenerator<StreamChunk, void> {
    for await (const chunk of chunks) {
      if (chunk.rows === 0 && chunk.text.includes('"account_needs_reauth"')) {
        let code: unknown;
        try {
          code = (JSON.parse(chunk.text) as { error?: { code?: unknown } }).error?.code;
        } catch {
          code = undefined;
        }
        if (code === 'account_needs_reauth') await this.markNeedsReauth(account, log);
      }
      yield chunk;
    }
  }

  /**
   * The vendor refused the account's credentials (401/403): the account is stored as needing
   * re-authentication, so later calls answer 503 without calling the vendor, until a PATCH brings
   * new credentials. Only an account unchanged since this request read it is marked: credentials
   * patched meanwhile are the new ones, not the refused ones.
   */
  private async markNeedsReauth(read: Account, log: FastifyBaseLogger): Promise<void> {
    try {
      const current = await this.accounts.get(read.tenant, read.id);
      if (!current || current.status !== 'active' || current.updated_at !== read.updated_at) return;
      const marked: Account = { ...current, status: 'needs_reauth', updated_at: new Date().toISOString() };
      await this.accounts.update(marked);
      log.warn(
        { account: read.id, integration: read.integration },
        'vendor refused the credentials: account needs re-authentication',
      );
    } catch (err) {
      // The caller still gets the vendor's refusal; marking is best effort.
      log.error({ err, account: read.id }, 'could not mark the account as needing re-authentication');
    }
  }
}
