import { ConfigError, loadConfig } from './config.js';
import { createRuntime } from './runtime.js';
import { sandboxToken, startSandbox, type RunningSandbox } from './sandbox.js';

const SANDBOX_TENANT = 'sandbox';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`meterway: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const extraTokens: { tenant: string; token: string }[] = [];
  let tenantForSandbox = config.tokens[0]?.tenant;
  let printedToken: string | undefined;
  if (config.sandbox && !tenantForSandbox) {
    printedToken = await sandboxToken(config.dataDir);
    extraTokens.push({ tenant: SANDBOX_TENANT, token: printedToken });
    tenantForSandbox = SANDBOX_TENANT;
  }
  const runtime = await createRuntime({
    config,
    extraTokens,
    warn: (msg) => process.stderr.write(`meterway: warning: ${msg}\n`),
  });
  let sandbox: RunningSandbox | undefined;
  if (config.sandbox && tenantForSandbox) {
    sandbox = await startSandbox(runtime.accounts, tenantForSandbox);
  }
  const address = await runtime.app.listen({ port: config.port, host: config.host });
  if (sandbox) printSandboxBanner(address, printedToken, sandbox);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    runtime.app.log.info({ signal }, 'shutting down');
    await runtime.close();
    await sandbox?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

function printSandboxBanner(address: string, token: string | undefined, sandbox: RunningSandbox): void {
  const t = token ?? '<one of your METERWAY_TOKENS>';
  const first = sandbox.accounts[0]?.id ?? '<account id>';
  const lines = [
    '',
    `meterway sandbox is running at ${address}`,
    `  token:    ${t}`,
    `  accounts: ${sandbox.accounts.map((a) => `${a.id} (${a.integration} emulator at ${a.url})`).join(', ') || 'none'}`,
    '',
    'Try:',
    `  curl -s -H 'Authorization: Bearer ${t}' '${address}/unified/usage-metering/usage?integrated_account_id=${first}&limit=5'`,
    `  curl -s -H 'Authorization: Bearer ${t}' '${address}/unified/usage-metering/usage?integrated_account_id=${first}&report_type=user_usage&truto_response_format=normalized&limit=3'`,
    `  curl -s -H 'Authorization: Bearer ${t}' '${address}/unified/usage-metering/usage?integrated_account_id=${first}&truto_response_format=stream'`,
    `  Docs: ${address}/docs`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`meterway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
