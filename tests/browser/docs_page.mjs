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
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // A request the Content-Security-Policy blocks shows as a console error: there must be none.
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

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

  // The sidebar names the description's sections as text (no literal markup such as <code>), and
  // the introduction is said once.
  const menu = await page.locator('.menu-content').innerText();
  assert.ok(menu.includes('Conventions of every /v1 route'), `the sidebar: ${menu.slice(0, 300)}`);
  assert.ok(!/<\/?[a-z]+>/.test(menu), `markup shown as text in the sidebar: ${menu.match(/<\/?[a-z]+>/)}`);
  const intro = await page.locator('.api-info').innerText();
  const sentences = intro.split(/(?<=\.)\s+/).map((t) => t.trim()).filter((t) => t.length > 40);
  const repeated = sentences.filter((t, i) => sentences.indexOf(t) !== i);
  assert.deepEqual(repeated, [], 'no sentence of the introduction twice');
  assert.equal((intro.match(/emulator of Microsoft Partner Center's customer-agreement API/g) || []).length, 1,
    `the introduction says what this is once: ${intro.slice(0, 400)}`);

  // Nothing is asked of another host: not even a request the page's policy would block (Redoc's
  // sidebar logo on cdn.redoc.ly is given an empty image by docs.js).
  await page.waitForTimeout(500);
  const offHost = requested.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(offHost, [], 'no request leaves the emulator');
  assert.equal(await page.locator('img[src*="redoc.ly"]').count(), 0, 'no image from cdn.redoc.ly');
  assert.deepEqual(consoleErrors, [], 'no console error (a blocked request would be one)');
  assert.deepEqual(errors, [], 'no script error');
  console.log(`docs page: ${operations} operations rendered, ${requested.length} requests, all to ${base}`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
