// The landing page and the API reference (/_emulator/docs), as a developer opens them: the vendored
// Redoc renders the operations with their parameters and schemas, and no request leaves the
// emulator's host.
// Usage: PCE_BASE=http://127.0.0.1:8080 SCREENSHOTS=dir node docs_page.mjs
import { api, base, launch, shots } from './support.mjs';
import assert from 'node:assert/strict';
import path from 'node:path';


const browser = await launch();
let failed = false;
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  const blocked = new Map();
  page.on('requestfailed', (r) => blocked.set(r.url(), r.failure()?.errorText));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${base}/`);
  await page.getByText('Emulator — not Microsoft').waitFor();
  await page.screenshot({ path: path.join(shots, '20-landing.png'), fullPage: true });
  await page.getByRole('link', { name: 'API reference' }).first().click();

  // Redoc has rendered the operations: one of them with its parameters and request body schema.
  await page.waitForSelector('#redoc[data-state="rendered"]', { timeout: 30000 });
  await page.goto(`${base}/_emulator/docs#tag/Customers/operation/createCustomer`);
  const operation = page.locator('[data-section-id="operation/createCustomer"]');
  await operation.locator('h2', { hasText: 'Create a customer' }).waitFor({ timeout: 30000 });
  await operation.getByText('Request Body schema').first().waitFor();
  await operation.getByText('MS-RequestId').first().waitFor();
  const operations = await page.locator('[data-section-id^="operation/"]').count();
  assert.ok(operations >= 30, `every operation is rendered (${operations})`);
  await page.screenshot({ path: path.join(shots, '21-api-reference.png') });

  // Redoc's sidebar points an <img> at cdn.redoc.ly: the page's Content-Security-Policy stops it
  // before it is sent, as it would stop anything else bound for another host.
  const offHost = requested.filter((u) => !u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:'));
  for (const u of offHost) {
    assert.ok(['csp', 'net::ERR_BLOCKED_BY_CSP'].includes(blocked.get(u)), `${u} was not blocked`);
  }
  assert.deepEqual(errors, [], 'no script error');
  console.log(`docs page: ${operations} operations rendered, ${requested.length} requests, all to ${base} (${offHost.length} blocked by the policy)`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
