// The enhanced attestation's acceptance page, as partners embed it: a page of another site
// (served here from `localhost`, while the emulator is reached at 127.0.0.1) frames it, the
// customer ticks the box and accepts inside the frame, and the embedding page receives the
// completion message. Then the partner creates the customer's agreement over the API.
// Usage: PCE_BASE=http://127.0.0.1:8080 SCREENSHOTS=dir node acceptance_page.mjs
import { api, base, launch, shots } from './support.mjs';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import path from 'node:path';



// Today's service (the emulator's default): the partner's application uses an App-only token.
const state = await api('GET', '/_emulator/service-date');
assert.equal(state.body.source, 'default', 'the acceptance page is tested on today\'s service');
const partner = await api('POST', '/_emulator/partners', { body: { name: 'Embedding Partner', partnerType: 'DirectBill' } });
const token = (await api('POST', '/_emulator/tokens', { body: { partnerTenantId: partner.body.tenantId, appOnly: true } })).body.access_token;
const domain = `embedded${Date.now().toString(36)}`;
const customer = await api('POST', '/v1/customers', {
  token,
  body: {
    companyProfile: { domain },
    billingProfile: {
      email: `billing@${domain}.example`, culture: 'en-US', language: 'en', companyName: 'Embedded Inc',
      defaultAddress: { firstName: 'Ravi', lastName: 'Kumar', addressLine1: '1 Way', city: 'Redmond', state: 'WA', postalCode: '98052', country: 'US' },
    },
  },
});
assert.equal(customer.status, 201);
const attestation = await api('POST', '/v1/attestations/enhanced', {
  token,
  body: { country: 'FR', language: 'fr-FR', companyName: 'Embedded SARL', signatoryFirstName: 'Chloé', signatoryLastName: 'Martin', signatoryEmail: 'chloe@embedded.example' },
});
assert.equal(attestation.status, 201, JSON.stringify(attestation.body));
const { id, acceptanceUrl } = attestation.body;

// The partner's checkout page, on another site, frames the acceptance page and listens.
const checkout = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner checkout</title></head>
<body><h1>Partner checkout</h1><p id="status">waiting for the customer</p>
<iframe title="Microsoft Customer Agreement" src="${acceptanceUrl}" width="800" height="900"></iframe>
<script>
  window.received = [];
  window.addEventListener('message', (event) => {
    window.received.push({ origin: event.origin, data: event.data });
    document.getElementById('status').textContent = 'customer ' + event.data.status;
  });
</script></body></html>`);
});
await new Promise((resolve) => checkout.listen(0, 'localhost', resolve));
const checkoutUrl = `http://localhost:${checkout.address().port}/checkout`;

const browser = await launch();
let failed = false;
try {
  const page = await (await browser.newContext({ viewport: { width: 1000, height: 1100 } })).newPage();
  await page.goto(checkoutUrl);
  const frame = page.frameLocator('iframe');
  await frame.getByText('Embedded SARL').first().waitFor();
  await frame.getByText('France (FR)').waitFor();
  await page.screenshot({ path: path.join(shots, '10-acceptance-framed.png'), fullPage: true });
  // Without the box ticked the browser keeps the form (required); the server would say what to do.
  await frame.getByLabel(/I have read the Microsoft Customer Agreement/).check();
  await frame.getByRole('button', { name: 'Accept' }).click();
  await frame.getByRole('status').getByText(/Accepted on/).waitFor();
  await page.waitForFunction(() => window.received.length > 0);
  const received = await page.evaluate(() => window.received);
  assert.equal(received[0].origin, new URL(base).origin, 'the message comes from the emulator');
  assert.deepEqual(received[0].data, { type: 'partner-center-emulator.enhanced-attestation', attestationId: id, status: 'accepted' });
  await page.getByText('customer accepted').waitFor();
  await page.screenshot({ path: path.join(shots, '11-acceptance-accepted.png'), fullPage: true });

  // The partner sees it accepted and creates the customer's agreement with it.
  const read = await api('GET', `/v1/attestations/enhanced/${id}`, { token });
  assert.equal(read.body.status, 'accepted');
  const agreement = await api('POST', `/v1/customers/${customer.body.id}/agreements`, { token, body: { attestationId: id } });
  assert.equal(agreement.status, 201, JSON.stringify(agreement.body));
  assert.equal(agreement.body.primaryContact.firstName, 'Chloé');

  // Opened on its own (not framed), the page works the same and sends no message to anyone.
  const direct = await (await browser.newContext()).newPage();
  await direct.goto(acceptanceUrl);
  await direct.getByRole('status').getByText(/Accepted on/).waitFor();
  console.log('acceptance page passed');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  checkout.close();
}
process.exit(failed ? 1 : 0);
