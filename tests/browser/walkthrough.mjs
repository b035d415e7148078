// The customer's side of the agreement flows, clicked through in Debian's headless Chromium.
// A partner works over the API; the "customer" uses the emulated Microsoft 365 admin center.
// The partner attests the 2023 way, so the emulator answers as on a service date before that
// flow's retirement (pinned here, and restored at the end).
// Usage: PCE_BASE=http://127.0.0.1:8080 SCREENSHOTS=dir node walkthrough.mjs
import { api, base, launch, shots } from './support.mjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';



async function partner(name) {
  const p = await api('POST', '/_emulator/partners', { body: { name, partnerType: 'DirectBill' } });
  assert.equal(p.status, 201);
  const t = await api('POST', '/_emulator/tokens', { body: { partnerTenantId: p.body.tenantId, roles: ['AdminAgent'] } });
  return { id: p.body.tenantId, token: t.body.access_token };
}

function customerBody(domain) {
  return {
    companyProfile: { domain },
    billingProfile: {
      email: `billing@${domain}.example`, culture: 'en-US', language: 'en', companyName: `${domain} Inc`,
      defaultAddress: { firstName: 'Megan', lastName: 'Bowen', addressLine1: '1 Microsoft Way', city: 'Redmond', state: 'WA', postalCode: '98052', country: 'US' },
    },
  };
}

const suffix = Date.now().toString(36);
let step = 0;
async function shot(page, name) {
  step += 1;
  const file = path.join(shots, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${file}`);
}

async function signIn(page, user, password) {
  await page.getByLabel('Email or user name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const pinned = await api('PUT', '/_emulator/service-date', { body: { date: '2025-03-01' } });
assert.equal(pinned.status, 200, 'pin the service date of the 2023 flow');

const browser = await launch();
let failed = false;
try {
  // 1. Agreement-only invitation: the customer signs in with the keyboard and accepts the MCA.
  console.log('agreement invitation');
  const contoso = await partner('Contoso Cloud Partner');
  const created = await api('POST', '/v1/customers', { token: contoso.token, body: customerBody(`fabrikam${suffix}`) });
  assert.equal(created.status, 201);
  const customer = created.body;
  const { userName, password } = customer.userCredentials;
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/AdminPortal/Home?ref=/BillingAccounts/agreement`);
  assert.match(page.url(), /\/AdminPortal\/SignIn/);
  await shot(page, 'sign-in');
  // keyboard only: the user field, Tab, the password, Enter
  await page.getByLabel('Email or user name').focus();
  await page.keyboard.type(userName);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForURL(/BillingAccounts\/agreement/);
  await page.getByRole('heading', { name: 'Microsoft Customer Agreement' }).waitFor();
  const docHref = await page.getByRole('link', { name: 'Read the Microsoft Customer Agreement' }).getAttribute('href');
  assert.ok(docHref.startsWith(`${base}/agreementdocuments/`));
  const doc = await fetch(docHref);
  assert.equal(doc.status, 200);
  await shot(page, 'agreement');
  // every problem at once: a cleared name and the box left unticked, each at its field, in a
  // summary that takes the focus and links to them
  await page.getByLabel('First name').fill('');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'error');
  const links = await page.locator('#error a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['#firstName', '#accept'], `${links}`);
  assert.equal(await page.getByLabel('First name').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel(/I have read and I accept/).getAttribute('aria-describedby'), 'acceptError');
  await shot(page, 'agreement-problems');
  // post/redirect/get: the refused form is a page of its own (named by an opaque id, no value in
  // its URL); refresh shows it again without sending the form, Back returns to the form as it
  // opened, Forward to the refused one
  const refusedUrl = page.url();
  assert.match(refusedUrl, /[?&]form=[A-Za-z0-9]+$/, refusedUrl);
  assert.ok(!/firstName|lastName|email=/.test(refusedUrl), `no form value in the URL: ${refusedUrl}`);
  await page.reload();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.equal(await page.getByLabel('First name').inputValue(), '', 'the refused values shown again');
  await page.goBack();
  await page.waitForURL(/BillingAccounts\/agreement$/);
  assert.equal(await page.getByRole('heading', { name: 'There is a problem' }).count(), 0, 'Back: the form as it opened');
  await page.goForward();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await page.getByLabel('First name').fill('Megan');
  // tick the box with Space
  await page.getByLabel(/I have read and I accept/).focus();
  await page.keyboard.press('Space');
  assert.ok(await page.getByLabel(/I have read and I accept/).isChecked());
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByText('You accepted the Microsoft Customer Agreement').waitFor();
  await shot(page, 'agreement-accepted');

  const status = await api('GET', `/v1/customers/${customer.id}/directSignedMicrosoftCustomerAgreementStatus`, { token: contoso.token });
  assert.deepEqual(status.body, { isSigned: true });
  const agreements = await api('GET', `/v1/customers/${customer.id}/agreements?agreementType=MicrosoftCustomerAgreement`, { token: contoso.token });
  assert.equal(agreements.body.totalCount, 1);
  assert.equal(agreements.body.items[0].userId, null);
  const outbox = await api('GET', `/_emulator/outbox?includePending=true&customerId=${customer.id}`);
  assert.equal(outbox.body.totalCount, 0, 'no notification email for a direct acceptance');

  // 2. Reseller relationship + MCA: a second partner invites the customer.
  console.log('reseller relationship invitation');
  const litware = await partner('Litware Reseller Services');
  const invitedCustomer = (await api('POST', '/v1/customers', { token: contoso.token, body: customerBody(`northwind${suffix}`) })).body;
  const link = await api('GET', '/v1/customers/relationshiprequests', { token: litware.token });
  assert.equal(link.status, 200);
  assert.ok(link.body.url.startsWith(`${base}/AdminPortal/Home?invType=ResellerRelationship&partnerId=${litware.id}`));
  const before = await api('GET', `/v1/customers/${invitedCustomer.id}`, { token: litware.token });
  assert.equal(before.status, 403);
  const invitee = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  await invitee.goto(link.body.url);
  await signIn(invitee, invitedCustomer.userCredentials.userName, invitedCustomer.userCredentials.password);
  await invitee.getByRole('heading', { name: 'Accept partner invitation' }).waitFor();
  await invitee.getByText('Litware Reseller Services would like to be your reseller').waitFor();
  await shot(invitee, 'invitation');
  await invitee.getByLabel(/I authorize Litware Reseller Services as my reseller/).check();
  await invitee.getByRole('button', { name: 'Accept and authorize' }).click();
  await invitee.getByText('You work with').waitFor();
  await shot(invitee, 'invitation-accepted');
  await invitee.getByRole('link', { name: 'Partners' }).click();
  await invitee.getByRole('heading', { name: 'Partners you work with' }).waitFor();
  await shot(invitee, 'partners');
  await invitee.getByRole('link', { name: 'Litware Reseller Services' }).click();
  await invitee.getByText(litware.id).waitFor();
  await shot(invitee, 'partner-details');

  const related = await api('GET', '/v1/customers', { token: litware.token });
  assert.ok(related.body.items.some((c) => c.id === invitedCustomer.id), 'the relationship shows in the partner\'s customers');
  const invitedStatus = await api('GET', `/v1/customers/${invitedCustomer.id}/directSignedMicrosoftCustomerAgreementStatus`, { token: litware.token });
  assert.deepEqual(invitedStatus.body, { isSigned: true });

  // 2b. The same partner's link with DAP=true, opened by the customer that already works with it
  // without the grant: the page offers the grant. On a phone's width, by keyboard only, with the
  // box first left unticked; then refresh and Back, which grant nothing twice.
  console.log('delegated admin grant');
  const customerAsLitware = () => api('GET', `/v1/customers/${invitedCustomer.id}`, { token: litware.token });
  assert.equal((await customerAsLitware()).body.allowDelegatedAccess, false, 'the link without DAP granted nothing');
  assert.match(link.body.url, /[?&]DAP=false/);
  await invitee.setViewportSize({ width: 375, height: 740 });
  await invitee.goto(link.body.url.replace('DAP=false', 'DAP=true'));
  await invitee.locator('#dapRequest').getByText(/also asks for delegated administration privileges/).waitFor();
  const grant = invitee.getByLabel(/I grant Litware Reseller Services delegated administration privileges/);
  const dapOverflow = await invitee.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(dapOverflow, 0, 'the invitation page fits 375 px');
  await shot(invitee, 'dap-request-375');
  // Enter on the unticked box sends the form: refused, the problem at the box
  await grant.focus();
  await invitee.keyboard.press('Enter');
  await invitee.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.equal(await grant.getAttribute('aria-invalid'), 'true');
  assert.equal((await customerAsLitware()).body.allowDelegatedAccess, false, 'a refused form grants nothing');
  // tick with Space, Tab to the button, Enter
  await grant.focus();
  await invitee.keyboard.press('Space');
  assert.ok(await grant.isChecked());
  await invitee.keyboard.press('Tab');
  assert.equal(await invitee.evaluate(() => document.activeElement?.textContent?.trim()), 'Accept and authorize');
  await invitee.keyboard.press('Enter');
  await invitee.locator('#accepted').getByText(/with delegated administration privileges/).waitFor();
  await shot(invitee, 'dap-granted-375');
  assert.equal((await customerAsLitware()).body.allowDelegatedAccess, true, 'the grant is recorded');
  // refresh: the page says so again and offers nothing; Back: the same, from the server; the
  // agreement is not accepted a second time
  const agreementsBefore = (await api('GET', `/v1/customers/${invitedCustomer.id}/agreements?agreementType=*`, { token: litware.token })).body.totalCount;
  await invitee.reload();
  await invitee.locator('#accepted').getByText(/with delegated administration privileges/).waitFor();
  assert.equal(await invitee.locator('form[action="/AdminPortal/Invitation/Accept"]').count(), 0, 'refresh: nothing left to accept');
  await invitee.goBack();
  await invitee.locator('#accepted').getByText(/with delegated administration privileges/).waitFor();
  assert.equal(await invitee.locator('form[action="/AdminPortal/Invitation/Accept"]').count(), 0, 'Back: nothing left to accept');
  assert.equal((await api('GET', `/v1/customers/${invitedCustomer.id}/agreements?agreementType=*`, { token: litware.token })).body.totalCount, agreementsBefore);
  await invitee.getByRole('link', { name: 'Partners' }).click();
  await invitee.getByRole('row', { name: /Litware Reseller Services/ }).getByText('Reseller, delegated admin').waitFor();
  await invitee.setViewportSize({ width: 1100, height: 800 });

  // 3. Troubleshoot: a customer that bought before accepting must go through its partner.
  console.log('troubleshoot refusal');
  const seed = readFileSync(new URL('../../seeds/troubleshoot.yaml', import.meta.url), 'utf8');
  const seeded = await api('POST', '/_emulator/seed', { body: seed, contentType: 'application/yaml' });
  assert.equal(seeded.status, 201, JSON.stringify(seeded.body));
  const legacy = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  await legacy.goto(`${base}/AdminPortal/Home?ref=/BillingAccounts/agreement`);
  await signIn(legacy, 'admin@woodgrovelegacy.onmicrosoft.com', 'Woodgrove-Pass-1!');
  await legacy.getByLabel(/I have read and I accept/).check();
  await legacy.getByRole('button', { name: 'Accept' }).click();
  await legacy.locator('#error').getByText('Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement.').waitFor();
  await shot(legacy, 'troubleshoot-refused');
  const legacyPartner = await api('POST', '/_emulator/tokens', { body: { partnerTenantId: seeded.body.ids['contoso-partner'], roles: ['AdminAgent'] } });
  const woodgrove = seeded.body.ids.woodgrove;
  const order = { referenceCustomerId: woodgrove, lineItems: [{ lineItemNumber: 0, offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K5BC', quantity: 1 }] };
  assert.equal((await api('POST', `/v1/customers/${woodgrove}/orders`, { token: legacyPartner.body.access_token, body: order })).status, 403);
  const attest = await api('POST', `/v1/customers/${woodgrove}/agreements`, {
    token: legacyPartner.body.access_token,
    body: { primaryContact: { firstName: 'Wo', lastName: 'Bank', email: 'it@woodgrove.example' }, templateId: '117a77b0-9360-443b-8795-c6dedc750cf9', dateAgreed: new Date(Date.now() - 3600_000).toISOString() },
  });
  assert.equal(attest.status, 201, JSON.stringify(attest.body));
  assert.equal((await api('POST', `/v1/customers/${woodgrove}/orders`, { token: legacyPartner.body.access_token, body: order })).status, 201);
  // the admin center then shows the partner's confirmation, not a second Accept
  await legacy.goto(`${base}/AdminPortal/Home?ref=/BillingAccounts/agreement`);
  await legacy.locator('#confirmedByPartner').getByText('Wo Bank').waitFor();
  assert.equal(await legacy.getByRole('button', { name: 'Accept' }).isVisible(), false, 'no second Accept in sight');
  await shot(legacy, 'agreement-confirmed-by-partner');

  // 4. A narrow screen.
  const phone = await (await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true })).newPage();
  await phone.goto(`${base}/AdminPortal/SignIn`);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling on a narrow screen');
  await shot(phone, 'sign-in-narrow');
  console.log('browser walk-through passed');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  await api('PUT', '/_emulator/service-date', { body: { reset: true } });
}
process.exit(failed ? 1 : 0);
