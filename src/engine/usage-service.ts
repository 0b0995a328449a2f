import type { FastifyBaseLogger } from 'fastify';
import type { AccountStore } from '../store/account-store.js';
import type { ConnectorRegistry } from './registry.js';
import type { UsageRequest } from './usage-request.js';
import { AppError } from '../errors.js';
import type { UsageAnswer, UsageEngine } from './engine.js';

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
    return this.engine.answer(tenant, account, connector, request, log);
  }
}
