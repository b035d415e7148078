// The enhanced attestation's acceptance page, as partners embed it: a page of another site
// (served here from `localhost`, while the emulator is reached at 127.0.0.1) frames it and hears
// every outcome through postMessage — accepted (with its time), already accepted, expired (on
// opening and on Accept after the expiry), not found, and refused (a link naming another
// country). The customer accepts inside the frame, in their language; the language accepted is
// stored and the page keeps showing it. The page speaks the six languages. Then the partner
// creates the customer's agreement over the API.
// Usage: PCE_BASE=http://127.0.0.1:8080 SCREENSHOTS=dir node acceptance_page.mjs
import { api, base, launch, shots } from './support.mjs';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import path from 'node:path';

const TYPE = 'partner-center-emulator.enhanced-attestation';
const emulatorOrigin = new URL(base).origin;

// Today's service (the emulator's default): the partner's application uses an App-only token.
const state = await api('GET', '/_emulator/service-date');
assert.equal(state.body.source, 'default', 'the acceptance page is tested on today\'s service');

async function appPartner(name) {
  const partner = await api('POST', '/_emulator/partners', { body: { name, partnerType: 'DirectBill' } });
  assert.equal(partner.status, 201, JSON.stringify(partner.body));
  const token = (await api('POST', '/_emulator/tokens', { body: { partnerTenantId: partner.body.tenantId, appOnly: true } })).body.access_token;
  return { id: partner.body.tenantId, token };
}

const partner = await appPartner('Embedding Partner');
const { token } = partner;
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

async function attest(owner, country, language, companyName = 'Embedded SARL') {
  const created = await api('POST', '/v1/attestations/enhanced', {
    token: owner.token,
    body: { country, language, companyName, signatoryFirstName: 'Chloé', signatoryLastName: 'Martin', signatoryEmail: 'chloe@embedded.example' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

// The partner's checkout page, on another site, frames the link it is given and keeps what it hears.
const checkout = createServer((req, res) => {
  const src = new URL(req.url, 'http://localhost').searchParams.get('src') ?? '';
  const attr = src.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner checkout</title></head>
<body><h1>Partner checkout</h1><p id="status">waiting for the customer</p>
<iframe title="Microsoft Customer Agreement" src="${attr}" width="800" height="900"></iframe>
<script>
  window.received = [];
  window.addEventListener('message', (event) => {
    window.received.push({ origin: event.origin, data: event.data });
    document.getElementById('status').textContent = 'customer ' + event.data.event;
  });
</script></body></html>`);
});
await new Promise((resolve) => checkout.listen(0, 'localhost', resolve));
const checkoutOrigin = `http://localhost:${checkout.address().port}`;
const framing = (link) => `${checkoutOrigin}/checkout?src=${encodeURIComponent(link)}`;
const withOrigin = (link, origin = checkoutOrigin) => `${link}&embedderOrigin=${encodeURIComponent(origin)}`;

// The messages the checkout heard, once there are `count` of them.
async function heard(page, count = 1) {
  await page.waitForFunction((n) => window.received.length >= n, count);
  const received = await page.evaluate(() => window.received);
  for (const r of received) {
    assert.equal(r.origin, emulatorOrigin, 'the message comes from the emulator');
    assert.equal(r.data.type, TYPE);
  }
  return received.map((r) => r.data);
}

const browser = await launch();
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1100 } });
  const page = await context.newPage();
  const refusedByPolicy = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) refusedByPolicy.push(m.text()); });
  const frameOf = () => page.frameLocator('iframe');
  const frameLang = async () => frameOf().locator('html').getAttribute('lang');

  // 1. Accepted inside the frame, in French, told to the checkout's origin with its time.
  const fr = await attest(partner, 'FR', 'fr-FR');
  await page.goto(framing(withOrigin(fr.acceptanceUrl)));
  const frame = frameOf();
  await frame.getByText('Embedded SARL').first().waitFor();
  await frame.getByText('France (FR)').waitFor();
  assert.equal(await frameLang(), 'fr');
  await frame.getByText(/Embedding Partner vous demande d’accepter/).waitFor();
  await frame.getByText('À accepter avant le').waitFor();
  const order = await frame.locator('#agreement-title').evaluate((agreement) => {
    const box = agreement.ownerDocument.getElementById('accept');
    return agreement.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING;
  });
  assert.ok(order, 'the agreement comes before the box to tick');
  await page.screenshot({ path: path.join(shots, '10-acceptance-framed.png'), fullPage: true });
  assert.equal((await page.evaluate(() => window.received)).length, 0, 'a pending page posts nothing');
  await frame.getByLabel(/J’ai lu le Contrat client Microsoft/).check();
  await frame.getByRole('button', { name: 'Accepter' }).click();
  await frame.getByRole('status').getByText(/Accepté le/).waitFor();
  let [message] = await heard(page);
  const read = await api('GET', `/v1/attestations/enhanced/${fr.id}`, { token });
  assert.equal(read.body.status, 'accepted');
  assert.equal(read.body.acceptedLanguage, 'fr-FR');
  assert.deepEqual(
    { event: message.event, attestationId: message.attestationId, status: message.status, acceptedDateTime: message.acceptedDateTime, language: message.language, reason: message.reason },
    { event: 'accepted', attestationId: fr.id, status: 'accepted', acceptedDateTime: read.body.acceptedDateTime, language: 'fr-FR', reason: null },
  );
  assert.equal(message.templateId, read.body.acceptedTemplateId);
  await page.getByText('customer accepted').waitFor();
  await page.screenshot({ path: path.join(shots, '11-acceptance-accepted.png'), fullPage: true });

  // The partner creates the customer's agreement with it.
  const agreement = await api('POST', `/v1/customers/${customer.body.id}/agreements`, { token, body: { attestationId: fr.id } });
  assert.equal(agreement.status, 201, JSON.stringify(agreement.body));
  assert.equal(agreement.body.primaryContact.firstName, 'Chloé');
  assert.equal(agreement.body.language, 'fr-FR');

  // 2. Opened again: already accepted.
  await page.goto(framing(withOrigin(fr.acceptanceUrl)));
  [message] = await heard(page);
  assert.equal(message.event, 'alreadyAccepted');
  assert.equal(message.status, 'completed');

  // 3. The stored language: a German attestation accepted through an English link stays English.
  const de = await attest(partner, 'DE', 'de-DE', 'Embedded GmbH');
  await page.goto(framing(withOrigin(de.acceptanceUrl.replace('language=de-DE', 'language=en-US'))));
  assert.equal(await (async () => { await frameOf().getByText('Accept by').waitFor(); return frameLang(); })(), 'en');
  await frameOf().getByLabel(/I have read the Microsoft Customer Agreement above/).check();
  await frameOf().getByRole('button', { name: 'Accept' }).click();
  [message] = await heard(page);
  assert.equal(message.event, 'accepted');
  assert.equal(message.language, 'en-US');
  const deRead = await api('GET', `/v1/attestations/enhanced/${de.id}`, { token });
  assert.deepEqual([deRead.body.country, deRead.body.language, deRead.body.acceptedLanguage], ['DE', 'de-DE', 'en-US']);
  await page.goto(framing(withOrigin(de.acceptanceUrl)));
  [message] = await heard(page);
  assert.equal(message.event, 'alreadyAccepted');
  assert.equal(message.language, 'en-US', 'the page shows the language accepted, not the link\'s');
  assert.equal(await frameLang(), 'en');

  // 4. A tampered country: refused, nothing to accept, the checkout told why.
  const us = await attest(partner, 'US', 'en-US', 'Embedded LLC');
  await page.goto(framing(withOrigin(us.acceptanceUrl.replace('country=US', 'country=JP'))));
  await frameOf().getByRole('heading', { name: 'This link names another country' }).waitFor();
  assert.equal(await frameOf().locator('#accept').count(), 0);
  [message] = await heard(page);
  assert.deepEqual([message.event, message.reason, message.attestationId], ['refused', 'countryMismatch', us.id]);
  await page.screenshot({ path: path.join(shots, '12-acceptance-other-country.png'), fullPage: true });
  assert.equal((await api('GET', `/v1/attestations/enhanced/${us.id}`, { token })).body.status, 'pending');

  // 5. An unknown id: not found (the link names no origin: posted to any).
  await page.goto(framing(`${base}/EnhancedAttestation/Accept?attestationId=00000000-0000-4000-8000-000000000000&language=ja-JP`));
  [message] = await heard(page);
  assert.deepEqual([message.event, message.attestationId], ['notFound', '00000000-0000-4000-8000-000000000000']);
  assert.equal(await frameLang(), 'ja');

  // 6. A link naming another embedder: the checkout hears nothing of it.
  await page.goto(framing(withOrigin(us.acceptanceUrl, 'https://elsewhere.example')));
  await frameOf().getByLabel(/I have read/).check();
  await frameOf().getByRole('button', { name: 'Accept' }).click();
  await frameOf().getByRole('status').waitFor();
  await page.waitForTimeout(500);
  assert.equal((await page.evaluate(() => window.received)).length, 0, 'posted to its origin only');

  // 7. Expired: a page left open past the expiry, then Accept; then opened again.
  const expiring = await appPartner('Expiring Partner');
  const old = await attest(expiring, 'IT', 'it-IT', 'Embedded Srl');
  await page.goto(framing(withOrigin(old.acceptanceUrl)));
  await frameOf().getByRole('button', { name: 'Accetta' }).waitFor();
  const moved = await api('POST', `/_emulator/clock/advance?partnerTenantId=${expiring.id}`, { body: { seconds: 31 * 86400 } });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  try {
    await frameOf().getByLabel(/Ho letto il Contratto cliente Microsoft/).check();
    await frameOf().getByRole('button', { name: 'Accetta' }).click();
    [message] = await heard(page);
    assert.deepEqual([message.event, message.status], ['expired', 'expired']);
    await frameOf().getByRole('alert').getByText(/scaduto/).waitFor();
    await page.goto(framing(withOrigin(old.acceptanceUrl)));
    [message] = await heard(page);
    assert.equal(message.event, 'expired', 'on opening too');
  } finally {
    await api('PUT', `/_emulator/clock?partnerTenantId=${expiring.id}`, { body: { reset: true } });
  }

  // 8. The six languages, and English for the rest.
  for (const [country, language, lang, button] of [
    ['US', 'en-US', 'en', 'Accept'], ['DE', 'de-DE', 'de', 'Annehmen'], ['ES', 'es-ES', 'es', 'Aceptar'],
    ['FR', 'fr-FR', 'fr', 'Accepter'], ['IT', 'it-IT', 'it', 'Accetta'], ['JP', 'ja-JP', 'ja', '同意する'],
    ['BR', 'pt-BR', 'en', 'Accept'],
  ]) {
    const a = await attest(partner, country, language);
    const direct = await context.newPage();
    await direct.goto(a.acceptanceUrl);
    await direct.getByRole('button', { name: button }).waitFor();
    assert.equal(await direct.evaluate(() => document.documentElement.lang), lang, language);
    assert.equal(await direct.locator('section[aria-labelledby="agreement-title"]').getAttribute('lang'), lang);
    await direct.close();
  }

  assert.deepEqual(refusedByPolicy, [], 'the page runs its one script under its policy, and nothing else');

  // Opened on its own (not framed), the page works the same and sends no message to anyone.
  const direct = await (await browser.newContext()).newPage();
  await direct.goto(fr.acceptanceUrl);
  await direct.getByRole('status').getByText(/déjà été accepté le/).waitFor();
  console.log('acceptance page passed');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  checkout.close();
}
process.exit(failed ? 1 : 0);
