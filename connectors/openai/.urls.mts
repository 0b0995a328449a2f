import {
  startOpenAIEmulator,
  SANDBOX_ADMIN_API_KEY as K,
  SANDBOX_ANALYTICS_API_KEY as C,
  WORKSPACE_ID,
} from './emulator/index.js';
import { startGateway } from '../../test/helpers/gateway.js';
const NOW = new Date('2026-08-20T12:00:00Z');
const emu = await startOpenAIEmulator({ now: NOW });
const gw = await startGateway({ METERWAY_SANDBOX: 'true' }, { now: () => NOW });
await gw.call('POST', '/integrated-accounts', {
  body: {
    id: 'a',
    integration: 'openai',
    name: 'x',
    credentials: { admin_api_key: K, analytics_api_key: C },
    context: { base_url: emu.url, codex_base_url: emu.url, workspace_id: WORKSPACE_ID },
  },
});
for (const q of process.argv.slice(2)) {
  const r = await gw.call(
    'GET',
    `/unified/usage-metering/usage?integrated_account_id=a&${q}&truto_response_format=debug`,
  );
  console.log(q, r.status, r.status !== 200 ? r.text.slice(0, 300) : '');
  for (const c of r.body?.debug?.calls ?? []) console.log('  ', c.url.replace(emu.url, ''));
}
await gw.close();
await emu.close();
