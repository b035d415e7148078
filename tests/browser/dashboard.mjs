// The partner's side of the agreement flows, clicked through the emulated Partner Center dashboard
// in Debian's headless Chromium; what the pages did is checked through the API, and the customer's
// side through the emulated admin center. The attestation scenarios pin a service date before the
// 2023 attestation's retirement; the last one runs at today's date (the read-only view).
// Usage: PCE_BASE=http://127.0.0.1:8080 SCREENSHOTS=dir [DOCS_SCREENSHOTS=docs] node dashboard.mjs
import { api, base, launch, shots } from './support.mjs';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';

const docs = process.env.DOCS_SCREENSHOTS;


const suffix = Date.now().toString(36);

async function partner(name, partnerType = 'DirectBill', indirectProviderId) {
  const p = await api('POST', '/_emulator/partners', { body: { name, partnerType, indirectProviderId } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const t = await api('POST', '/_emulator/tokens', { body: { partnerTenantId: p.body.tenantId, roles: ['AdminAgent'] } });
  return { id: p.body.tenantId, name, token: t.body.access_token };
}

async function user(partnerId, roles) {
  const u = await api('POST', `/_emulator/partners/${partnerId}/users`, {
    body: { userName: `${roles[0].toLowerCase()}-${Math.random().toString(36).slice(2, 8)}@${suffix}.example`, displayName: `${roles[0]} of ${partnerId.slice(0, 4)}`, roles },
  });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  return u.body;
}

/// A date the form's own check (`max`, today by the emulator clock) would stop: typed anyway,
/// with that check taken away, to see the emulator's rule answer.
async function fillFutureDate(page) {
  const date = page.getByLabel('Agreement acceptance date');
  assert.ok(await date.getAttribute('max'), 'the date field says how late a date may be');
  await date.evaluate((input) => input.removeAttribute('max'));
  await date.fill('2999-01-01');
}

/// A page signed in as a new user of `partnerId` through a one-time link.
async function signedIn(browser, partnerId, roles, viewport = { width: 1200, height: 900 }) {
  const u = await user(partnerId, roles);
  const link = await api('POST', `/_emulator/partners/${partnerId}/users/${u.id}/sign-in-links`);
  assert.equal(link.status, 201);
  const page = await (await browser.newContext({ viewport })).newPage();
  await page.goto(link.body.url);
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  return page;
}

const order = (id) => ({ referenceCustomerId: id, lineItems: [{ lineItemNumber: 0, offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K5BC', quantity: 1 }] });

let step = 0;
async function shot(page, name, docName) {
  step += 1;
  const file = path.join(shots, `dashboard-${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${file}`);
  if (docs && docName) copyFileSync(file, path.join(docs, `dashboard-${docName}.png`));
}

async function fillAccountInfo(page, domain) {
  await page.getByLabel('Company name').fill(`${domain} Ltd`);
  await page.getByLabel(/^Domain name/).fill(domain);
  const contact = page.getByRole('group', { name: 'Account info' });
  await contact.getByLabel('First name').fill('Megan');
  await contact.getByLabel('Last name').fill('Bowen');
  await contact.getByLabel('Email address').fill(`megan@${domain}.example`);
  await page.getByLabel('Address line 1').fill('1 Microsoft Way');
  await page.getByLabel('City').fill('Redmond');
  await page.getByLabel('State or province').fill('WA');
  await page.getByLabel('ZIP or postal code').fill('98052');
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

const pinned = await api('PUT', '/_emulator/service-date', { body: { date: '2025-03-01' } });
assert.equal(pinned.status, 200, 'pin the service date of the 2023 flow');

const browser = await launch();
let failed = false;
try {
  const contoso = await partner(`Contoso Partner ${suffix}`);

  // 1. Sign in with the password form; add a customer and attest in the wizard; the API lets it buy.
  console.log('add a customer with attestation');
  const agent = await user(contoso.id, ['AdminAgent']);
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await page.goto(`${base}/dashboard/customers`);
  await page.getByRole('heading', { name: 'Sign in to Partner Center' }).waitFor();
  await page.getByText('admin@contoso-dev.onmicrosoft.com').waitFor(); // the development user, named
  await shot(page, 'sign-in', 'sign-in');
  await page.getByLabel('Email or user name').fill(agent.userName);
  await page.getByLabel('Password').fill(agent.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  // the pinned service date, named beside the clock's today
  await page.locator('#serviceDateBanner').getByText('Service date 1 March 2025').waitFor();
  await page.getByRole('link', { name: 'Add customer' }).click();
  await page.getByRole('heading', { name: 'Add customer' }).waitFor();
  const attested = `attested${suffix}`;
  await fillAccountInfo(page, attested);
  await page.getByLabel(/I confirm it on the customer's behalf/).check();
  await page.getByLabel('Agreement acceptance date').fill('2025-02-10');
  await shot(page, 'add-customer', 'add-customer');
  await page.getByRole('button', { name: 'Next: Review' }).click();
  await page.getByRole('heading', { name: 'Review' }).waitFor();
  await page.getByText('Megan Bowen, megan@').first().waitFor();
  // the date as people read it, the exact UTC time on hover
  const reviewed = page.locator('#reviewDateAgreed time');
  assert.equal((await reviewed.textContent()).trim(), '10 February 2025');
  assert.equal(await reviewed.getAttribute('title'), '2025-02-10T00:00:00.000Z');
  await shot(page, 'review', 'review');
  await page.getByRole('button', { name: 'Submit' }).dblclick();
  await page.getByRole('heading', { name: 'Confirmation' }).waitFor();
  await shot(page, 'confirmation-attested', 'confirmation');
  const attestedId = (await page.locator('#customerId').textContent()).trim();
  assert.match(page.url(), /\/dashboard\/customers\/new\/[A-Za-z0-9_-]+\/confirmation$/, 'post/redirect/get: no form value in the URL');
  await page.reload(); // a page of its own: a refresh sends nothing again
  await page.getByRole('heading', { name: 'Confirmation' }).waitFor();
  assert.equal((await page.locator('#customerId').textContent()).trim(), attestedId, 'a refresh shows the same customer');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.getByRole('button', { name: 'Copy password' }).click();
  await page.getByText('Password copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), (await page.locator('#adminPassword').textContent()).trim());
  // Back from the Confirmation: the Review, which says it was submitted (no resubmission prompt)
  await page.goBack();
  await page.locator('#alreadySubmitted').getByText('This form was submitted').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Submit' }).count(), 0, 'no second Submit offered');
  await shot(page, 'back-after-submit');
  await page.goForward();
  await page.getByRole('heading', { name: 'Confirmation' }).waitFor();
  const mine = await api('GET', '/v1/customers', { token: contoso.token });
  assert.equal(mine.body.items.filter((c) => c.companyProfile.domain.startsWith(attested)).length, 1, 'one customer however often Submit was sent');
  const confirmed = await api('GET', `/v1/customers/${attestedId}/agreements?agreementType=MicrosoftCustomerAgreement`, { token: contoso.token });
  assert.equal(confirmed.body.totalCount, 1);
  assert.equal(confirmed.body.items[0].userId, agent.id, 'the confirmation names the dashboard user');
  assert.equal((await api('POST', `/v1/customers/${attestedId}/orders`, { token: contoso.token, body: order(attestedId) })).status, 201);
  const outbox = await api('GET', `/_emulator/outbox?includePending=true&customerId=${attestedId}`);
  assert.equal(outbox.body.totalCount, 1, 'the notification email is queued');
  await page.getByRole('link', { name: "Go to the customer's account" }).click();
  await page.getByRole('heading', { name: 'Microsoft Customer Agreement' }).waitFor();
  await page.locator('#acceptances').getByText('Megan Bowen').waitFor();
  await shot(page, 'account-confirmed', 'account');
  await page.getByRole('link', { name: 'Show the Confirmation again' }).click();
  await page.getByRole('heading', { name: 'Confirmation' }).waitFor();
  assert.equal(await page.locator('#adminPassword').count(), 0, 'the password was shown once');
  await page.locator('#passwordShownOnce').waitFor();
  await page.goBack();

  // 2. The customer will accept in the admin center: refused order (13605), acceptance, then the order.
  console.log('add a customer who accepts in the admin center');
  await page.goto(`${base}/dashboard/customers/new`);
  const direct = `direct${suffix}`;
  await fillAccountInfo(page, direct);
  await page.getByLabel(/Customer will be asked to accept/).check();
  await page.getByRole('button', { name: 'Next: Review' }).click();
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'Confirmation' }).waitFor();
  await shot(page, 'confirmation-direct');
  const directId = (await page.locator('#customerId').textContent()).trim();
  const adminUser = (await page.locator('#adminUserName').textContent()).trim();
  const adminPassword = (await page.locator('#adminPassword').textContent()).trim();
  const acceptanceLink = await page.locator('#acceptanceLink').getAttribute('href');
  assert.equal(acceptanceLink, `${base}/AdminPortal/Home?ref=/BillingAccounts/agreement`);
  const refused = await api('POST', `/v1/customers/${directId}/orders`, { token: contoso.token, body: order(directId) });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 13605);
  const customerPage = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  await customerPage.goto(acceptanceLink);
  await customerPage.getByLabel('Email or user name').fill(adminUser);
  await customerPage.getByLabel('Password').fill(adminPassword);
  await customerPage.getByRole('button', { name: 'Sign in' }).click();
  await customerPage.getByLabel(/I have read and I accept/).check();
  await customerPage.getByRole('button', { name: 'Accept' }).click();
  await customerPage.getByText('You accepted the Microsoft Customer Agreement').waitFor();
  assert.equal((await api('POST', `/v1/customers/${directId}/orders`, { token: contoso.token, body: order(directId) })).status, 201);
  await page.goto(`${base}/dashboard/customers/${directId}/account`);
  await page.locator('#mcaState').getByText('Accepted by customer').waitFor();
  assert.equal((await api('GET', `/_emulator/outbox?includePending=true&customerId=${directId}`)).body.totalCount, 0, 'no email for a direct acceptance');

  // 3. Attest an existing customer through Update; a future date and a duplicate are refused in the form.
  console.log('attest an existing customer through Update');
  const existing = await api('POST', '/v1/customers', {
    token: contoso.token,
    body: {
      companyProfile: { domain: `existing${suffix}` },
      billingProfile: { email: `it@existing${suffix}.example`, culture: 'en-US', language: 'en', companyName: `Existing ${suffix}`,
        defaultAddress: { firstName: 'Ana', lastName: 'Lee', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' } },
    },
  });
  assert.equal(existing.status, 201);
  const existingId = existing.body.id;
  await page.goto(`${base}/dashboard/customers?q=existing${suffix}`);
  await page.getByRole('link', { name: `Existing ${suffix}` }).click();
  await page.getByRole('link', { name: 'Update' }).click();
  await page.getByRole('heading', { name: "Confirm the customer's acceptance" }).waitFor();
  assert.equal(await page.getByLabel('First name').inputValue(), '', 'no person is typed in for the user');
  await page.locator('#recordedNow').getByText('Ana Lee').waitFor();
  const fillPerson = async () => {
    await page.getByLabel('First name').fill('Ana');
    await page.getByLabel('Last name').fill('Lee');
    await page.getByLabel('Email address').fill(`it@existing${suffix}.example`);
  };
  await fillPerson();
  await fillFutureDate(page);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#error').getByText('Date of agreement cannot be greater than the current date.').waitFor();
  await page.locator('#dateAgreedError').getByText('Date of agreement cannot be greater').waitFor();
  assert.equal(await page.getByLabel('Agreement acceptance date').getAttribute('aria-invalid'), 'true');
  await shot(page, 'update-future-date', 'update-refused');
  // post/redirect/get: the refused Update is a page of its own; refresh shows it again without
  // sending the form, Back returns to the form as it opened, Forward to the refused one
  const refusedUrl = page.url();
  assert.match(refusedUrl, /\/account\?update=agreement&form=[A-Za-z0-9]+#update$/, refusedUrl);
  await page.reload();
  await page.locator('#dateAgreedError').getByText('Date of agreement cannot be greater').waitFor();
  assert.equal(await page.getByLabel('First name').inputValue(), 'Ana', 'what was typed is shown again');
  await page.goBack();
  await page.waitForURL(/\/account\?update=agreement(#update)?$/);
  await page.getByRole('heading', { name: "Confirm the customer's acceptance" }).waitFor();
  assert.equal(await page.locator('#error').count(), 0, 'Back: the form as it opened');
  await page.goForward();
  await page.locator('#dateAgreedError').waitFor();
  const saved = (await api('GET', `/v1/customers/${existingId}/agreements?agreementType=MicrosoftCustomerAgreement`, { token: contoso.token })).body.totalCount;
  assert.equal(saved, 0, 'refresh, Back and Forward sent nothing');
  await page.getByLabel('Agreement acceptance date').fill('2025-01-20');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Your confirmation was saved.').waitFor();
  await shot(page, 'update-saved');
  assert.equal((await api('POST', `/v1/customers/${existingId}/orders`, { token: contoso.token, body: order(existingId) })).status, 201);
  await page.getByRole('link', { name: 'Update' }).click();
  await page.locator('#recordedNow').getByText('Recorded now:').waitFor();
  await fillPerson();
  await page.getByLabel('Agreement acceptance date').fill('2025-01-20');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#error').getByText(/600061/).waitFor();
  const listed = await api('GET', `/v1/customers/${existingId}/agreements?agreementType=MicrosoftCustomerAgreement`, { token: contoso.token });
  assert.equal(listed.body.totalCount, 1, 'the duplicate was not recorded');
  // the wizard refuses a future date too
  await page.goto(`${base}/dashboard/customers/new`);
  await fillAccountInfo(page, `future${suffix}`);
  await page.getByLabel(/I confirm it on the customer's behalf/).check();
  await fillFutureDate(page);
  await page.getByRole('button', { name: 'Next: Review' }).click();
  await page.locator('#error').getByText('Agreement acceptance date: Date of agreement cannot be greater than the current date.', { exact: false }).waitFor();
  assert.equal(await page.getByLabel('Company name').inputValue(), `future${suffix} Ltd`, 'the form keeps what was typed');

  // A form with several problems: all at once, each at its field, a summary in the form's order
  // that takes the focus and whose links lead to the fields.
  console.log('a form with several problems');
  await page.goto(`${base}/dashboard/customers/new`);
  await page.getByLabel('Company name').fill(`several${suffix} Ltd`);
  await page.getByRole('button', { name: 'Next: Review' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'error');
  const links = await page.locator('#error a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links.slice(0, 3), ['#domain', '#firstName', '#lastName'], `the summary follows the form: ${links}`);
  assert.ok(links.includes('#city') && links.indexOf('#city') < links.indexOf('#agreementPartner'), `${links}`);
  for (const id of ['domain', 'city']) {
    const field = page.locator(`#${id}`);
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.ok((await field.getAttribute('aria-describedby')).includes(`${id}Error`));
  }
  assert.equal(await page.locator('#companyName').getAttribute('aria-invalid'), null, 'a good field is not marked');
  await shot(page, 'several-problems', 'several-problems');
  await page.locator('#error a[href="#city"]').click();
  await page.waitForFunction(() => document.activeElement?.id === 'city');

  // 4. A Helpdesk agent and an indirect reseller see no attestation control.
  console.log('helpdesk agent and indirect reseller');
  const helpdesk = await signedIn(browser, contoso.id, ['HelpdeskAgent']);
  await helpdesk.goto(`${base}/dashboard/customers/${existingId}/account`);
  await helpdesk.getByText('Only Admin agents and Sales agents').waitFor();
  assert.equal(await helpdesk.getByRole('link', { name: 'Update' }).count(), 0);
  assert.equal(await helpdesk.getByRole('link', { name: 'Add customer' }).count(), 0);
  await shot(helpdesk, 'helpdesk-account');
  await helpdesk.goto(`${base}/dashboard/customers/new`);
  await helpdesk.getByRole('heading', { name: 'You need another role' }).waitFor();
  await helpdesk.getByText('Adding a customer needs the Admin agent, Sales agent or Global admin role').waitFor();
  await shot(helpdesk, 'helpdesk-needs-role', 'needs-role');
  const provider = await partner(`Fabrikam Distribution ${suffix}`, 'IndirectProvider');
  const reseller = await partner(`Litware Reseller ${suffix}`, 'IndirectReseller', provider.id);
  const resold = await api('POST', '/v1/customers', { token: reseller.token, body: {
    companyProfile: { domain: `resold${suffix}` },
    billingProfile: { email: `it@resold${suffix}.example`, culture: 'en-US', language: 'en', companyName: `Resold ${suffix}`,
      defaultAddress: { firstName: 'Ana', lastName: 'Lee', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' } },
  } });
  assert.equal(resold.status, 201);
  const resellerPage = await signedIn(browser, reseller.id, ['AdminAgent']);
  await resellerPage.goto(`${base}/dashboard/customers/${resold.body.id}/account`);
  await resellerPage.getByText(`Your indirect provider, Fabrikam Distribution ${suffix}, must confirm`).waitFor();
  assert.equal(await resellerPage.getByRole('link', { name: 'Update' }).count(), 0);
  await shot(resellerPage, 'reseller-account', 'reseller-account');
  await resellerPage.goto(`${base}/dashboard/customers/new`);
  assert.equal(await resellerPage.getByLabel(/I confirm it on the customer's behalf/).count(), 0);
  // the provider attests for its reseller's customer
  const providerPage = await signedIn(browser, provider.id, ['AdminAgent']);
  await providerPage.goto(`${base}/dashboard/customers/${resold.body.id}/account?update=agreement`);
  assert.equal(await providerPage.getByLabel('First name').inputValue(), '', 'no person is typed in for the user');
  await providerPage.locator('#recordedNow').getByText('Ana Lee').waitFor();
  await providerPage.getByLabel('First name').fill('Ana');
  await providerPage.getByLabel('Last name').fill('Lee');
  await providerPage.getByLabel('Email address').fill(`it@resold${suffix}.example`);
  await providerPage.getByLabel('Agreement acceptance date').fill('2025-02-01');
  await providerPage.getByRole('button', { name: 'Save' }).click();
  await providerPage.getByText('Your confirmation was saved.').waitFor();
  await providerPage.locator('#mcaState').getByText('Confirmed by partner').waitFor();

  // 5. The reseller-relationship email: its link works in the admin center.
  console.log('request a reseller relationship');
  const outsider = await partner(`Northwind Other Partner ${suffix}`);
  const invited = await api('POST', '/v1/customers', { token: outsider.token, body: {
    companyProfile: { domain: `invited${suffix}` },
    billingProfile: { email: `it@invited${suffix}.example`, culture: 'en-US', language: 'en', companyName: `Invited ${suffix}`,
      defaultAddress: { firstName: 'Lee', lastName: 'Gu', addressLine1: '1 Main St', city: 'Seattle', state: 'WA', postalCode: '98101', country: 'US' } },
  } });
  assert.equal(invited.status, 201);
  await page.goto(`${base}/dashboard/customers`);
  await page.getByRole('link', { name: 'Request a reseller relationship' }).click();
  await page.getByRole('heading', { name: 'Request a reseller relationship' }).waitFor();
  await page.getByLabel(/Include delegated administration privileges/).check();
  let text = await page.getByLabel(/Email text/).inputValue();
  assert.match(text, /DAP=true/, 'the delegated-admin option changes the link');
  await page.getByLabel(/Include delegated administration privileges/).uncheck();
  await page.getByLabel(/Email text/).fill((await page.getByLabel(/Email text/).inputValue()).replace('Dear customer', 'Dear Invited team'));
  const mailto = await page.getByRole('link', { name: 'Open in email' }).getAttribute('href');
  assert.ok(mailto.startsWith('mailto:?subject=') && decodeURIComponent(mailto).includes('Dear Invited team'), 'Open in email carries the edited text');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.getByRole('button', { name: 'Copy to clipboard' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  await shot(page, 'relationship-request', 'relationship-request');
  // Update the link keeps the edited text
  await page.getByLabel(/Include delegated administration privileges/).check();
  await page.getByRole('button', { name: 'Update the link' }).click();
  await page.waitForURL(/emailText=/);
  assert.match(await page.getByLabel(/Email text/).inputValue(), /Dear Invited team[\s\S]*DAP=true/, 'the edits survive Update the link');
  await page.getByLabel(/Include delegated administration privileges/).uncheck();
  text = await page.getByLabel(/Email text/).inputValue();
  const invitation = text.match(/https?:\/\/\S+/)[0];
  assert.ok(invitation.includes(`partnerId=${contoso.id}`) && invitation.includes('DAP=false'), invitation);
  await page.getByRole('link', { name: 'Done' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  const invitee = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  await invitee.goto(invitation);
  await invitee.getByLabel('Email or user name').fill(invited.body.userCredentials.userName);
  await invitee.getByLabel('Password').fill(invited.body.userCredentials.password);
  await invitee.getByRole('button', { name: 'Sign in' }).click();
  await invitee.getByText(`${contoso.name} would like to be your reseller`).waitFor();
  await invitee.getByLabel(/I authorize/).check();
  await invitee.getByRole('button', { name: 'Accept and authorize' }).click();
  await invitee.getByText('You work with').waitFor();
  await page.goto(`${base}/dashboard/customers?q=invited${suffix}`);
  await page.getByRole('link', { name: `Invited ${suffix}` }).waitFor();
  await shot(page, 'customers', 'customers');
  await page.getByRole('link', { name: 'Clear search' }).click();
  await page.waitForURL(`${base}/dashboard/customers`);
  assert.equal(await page.getByRole('searchbox').inputValue(), '', 'the search is cleared');
  assert.equal(await page.getByRole('link', { name: 'Clear search' }).count(), 0);

  // 6. The keyboard only: add a customer who will accept in the admin center.
  console.log('keyboard-only run');
  const keys = await signedIn(browser, contoso.id, ['SalesAgent']);
  const press = (key, times = 1) => (async () => { for (let i = 0; i < times; i += 1) await keys.keyboard.press(key); })();
  const focused = () => keys.evaluate(() => document.activeElement && (document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent || '').trim());
  async function tabTo(name) {
    for (let i = 0; i < 80; i += 1) {
      await press('Tab');
      if ((await focused()).startsWith(name)) return;
    }
    throw new Error(`Tab never reached ${name}`);
  }
  await tabTo('Add customer');
  await press('Enter');
  await keys.getByRole('heading', { name: 'Add customer' }).waitFor();
  const keyboardDomain = `keys${suffix}`;
  for (const [label, value] of [['Company name', `${keyboardDomain} Ltd`], ['Domain name', keyboardDomain], ['First name', 'Kim'], ['Last name', 'Akers'], ['Email address', `kim@${keyboardDomain}.example`], ['Address line 1', '1 Main St'], ['City', 'Seattle'], ['State or province', 'WA'], ['ZIP or postal code', '98101']]) {
    await tabTo(label);
    await keys.keyboard.type(value);
  }
  // Tab from the address reaches the first choice (none is made for the user), not a field of one.
  await press('Tab');
  assert.match(await focused(), /^Customer has accepted/, 'Tab from ZIP reaches the choice');
  await press('ArrowDown');
  assert.ok(await keys.locator('#agreementCustomer').isChecked(), 'the arrow key chooses "Customer will be asked"');
  await tabTo('Next: Review');
  await press('Enter');
  await keys.getByRole('heading', { name: 'Review' }).waitFor();
  await tabTo('Submit');
  await press('Enter');
  await keys.getByRole('heading', { name: 'Confirmation' }).waitFor();
  const keyboardId = (await keys.locator('#customerId').textContent()).trim();
  assert.equal((await api('GET', `/v1/customers/${keyboardId}`, { token: contoso.token })).status, 200);

  // The keyboard-only path that once dropped the confirmation: past the choice into the date,
  // then Next: Review. The form asks for the choice (the date kept); the summary's link leads to
  // it; Review and the Confirmation say the customer's acceptance was confirmed.
  console.log('keyboard-only: a date typed without choosing');
  await keys.goto(`${base}/dashboard/customers/new`);
  const typedDomain = `keysdate${suffix}`;
  for (const [label, value] of [['Company name', `${typedDomain} Ltd`], ['Domain name', typedDomain], ['First name', 'Kim'], ['Last name', 'Akers'], ['Email address', `kim@${typedDomain}.example`], ['Address line 1', '1 Main St'], ['City', 'Seattle'], ['State or province', 'WA'], ['ZIP or postal code', '98101']]) {
    await tabTo(label);
    await keys.keyboard.type(value);
  }
  await tabTo('Agreement acceptance date');
  await keys.locator(':focus').fill('2025-02-10');
  await tabTo('Next: Review');
  await press('Enter');
  await keys.waitForFunction(() => document.activeElement?.id === 'error');
  await keys.locator('#error').getByText('choose whether the customer has accepted').waitFor();
  assert.equal(await keys.locator('#dateAgreed').inputValue(), '2025-02-10', 'the date typed is kept');
  await shot(keys, 'keyboard-choice-asked', 'choice-asked');
  await press('Tab');
  await press('Enter'); // the summary's link to the choice
  await keys.waitForFunction(() => document.activeElement?.id === 'agreementPartner');
  await press('Space');
  assert.ok(await keys.locator('#agreementPartner').isChecked());
  await tabTo('Next: Review');
  await press('Enter');
  await keys.getByRole('heading', { name: 'Review' }).waitFor();
  assert.match(await keys.locator('#agreementChoice').textContent(), /Your choice: Customer has accepted/);
  await tabTo('Submit');
  await press('Enter');
  await keys.getByRole('heading', { name: 'Confirmation' }).waitFor();
  await keys.locator('#agreementState').getByText('You confirmed that Kim Akers accepted the agreement on 10 February 2025').waitFor();

  // 7. A narrow screen.
  const phone = await signedIn(browser, contoso.id, ['AdminAgent'], { width: 360, height: 740 });
  const wide = await phone.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map((e) => `${e.tagName}.${e.className}: ${(e.textContent || '').trim().slice(0, 40)}`));
  assert.deepEqual(wide, [], 'no horizontal scrolling on a narrow screen');
  await shot(phone, 'customers-narrow');
  // The Account page's acceptances at 375 px: rows stack, each cell under its column's name.
  await phone.setViewportSize({ width: 375, height: 740 });
  await phone.goto(`${base}/dashboard/customers/${attestedId}/account`);
  await phone.locator('#acceptances').getByText('Megan Bowen').waitFor();
  const overflow = await phone.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map((e) => `${e.tagName}.${e.className}: ${(e.textContent || '').trim().slice(0, 40)}`));
  assert.deepEqual(overflow, [], 'the Account page fits 375 px');
  const howWidth = await phone.locator('#acceptances td[data-label="How"]').first().evaluate((td) => td.getBoundingClientRect().width);
  assert.ok(howWidth > 200, `the How column is not broken letter by letter (${howWidth}px)`);
  await shot(phone, 'account-narrow', 'account-narrow');

  // 8. Today's service date: the attestation controls give way to a read-only view.
  console.log("today's service date");
  assert.equal((await api('PUT', '/_emulator/service-date', { body: { reset: true } })).status, 200);
  await page.goto(`${base}/dashboard/customers/${attestedId}/account`);
  assert.equal(await page.locator('#serviceDateBanner').count(), 0, 'no banner when the service date is the clock\'s day');
  await page.getByText('Since 5 January 2026, partners confirm').waitFor();
  await page.locator('#acceptances').getByText('Megan Bowen').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Update' }).count(), 0);
  await shot(page, 'account-read-only', 'account-read-only');
  // a user who signs in without MFA can do nothing once MFA is required, and can sign out by keyboard
  const noMfa = await api('POST', `/_emulator/partners/${contoso.id}/users`, {
    body: { userName: `nomfa-${suffix}@${suffix}.example`, roles: ['AdminAgent'], mfa: false },
  });
  assert.equal(noMfa.status, 201, JSON.stringify(noMfa.body));
  const noMfaLink = await api('POST', `/_emulator/partners/${contoso.id}/users/${noMfa.body.id}/sign-in-links`);
  const noMfaPage = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await noMfaPage.goto(noMfaLink.body.url);
  await noMfaPage.getByRole('heading', { name: 'Multi-factor authentication required' }).waitFor();
  await noMfaPage.getByText('(The API answers this user\'s tokens with error 900421.)').waitFor();
  await noMfaPage.goto(`${base}/dashboard/customers/new`);
  await noMfaPage.getByRole('heading', { name: 'Multi-factor authentication required' }).waitFor();
  await shot(noMfaPage, 'mfa-required');
  for (let i = 0; i < 20; i += 1) {
    await noMfaPage.keyboard.press('Tab');
    if (await noMfaPage.evaluate(() => document.activeElement?.textContent?.trim() === 'Sign out')) break;
  }
  await noMfaPage.keyboard.press('Enter');
  await noMfaPage.getByRole('heading', { name: /Sign in/ }).waitFor();
  // a customer that has not accepted: the admin-center link to send, copied or emailed
  await page.goto(`${base}/dashboard/customers/${keyboardId}/account`);
  assert.equal(await page.locator('#acceptanceLink').textContent(), `${base}/AdminPortal/Home?ref=/BillingAccounts/agreement`);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await page.getByText('Link copied.').waitFor();
  assert.ok((await page.getByRole('link', { name: 'Open in email' }).getAttribute('href')).startsWith('mailto:?subject='));
  await shot(page, 'account-today-not-accepted', 'account-today');
  // the partner's enhanced attestations for the customer (made through the API), with status and,
  // while pending, the acceptance page
  const app = (await api('POST', '/_emulator/tokens', { body: { partnerTenantId: contoso.id, appOnly: true } })).body.access_token;
  const made = await api('POST', '/v1/attestations/enhanced', { token: app, body: {
    country: 'US', language: 'en-US', companyName: `${keyboardDomain} Ltd`, signatoryFirstName: 'Kim', signatoryLastName: 'Akers', signatoryEmail: `kim@${keyboardDomain}.example`,
  } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  await page.reload();
  const attestations = page.locator('#attestations');
  await attestations.getByRole('cell', { name: /^Kim Akers/ }).waitFor();
  await attestations.getByText('Pending').waitFor();
  const expires = attestations.locator('td[data-label="Status"] time');
  assert.match((await expires.textContent()).trim(), /^\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC$/, 'the expiry in words');
  assert.match(await expires.getAttribute('title'), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'the exact UTC time on hover');
  const acceptance = attestations.getByRole('link', { name: 'Open the acceptance page for Kim Akers' });
  assert.equal(await acceptance.getAttribute('href'), made.body.acceptanceUrl);
  await shot(page, 'account-attestations', 'account-attestations');
  // at 375 px too
  await phone.goto(`${base}/dashboard/customers/${keyboardId}/account`);
  await phone.locator('#attestations').getByText('Pending').waitFor();
  const attestationsOverflow = await phone.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).length);
  assert.equal(attestationsOverflow, 0, 'the attestations table fits 375 px');
  await page.goto(`${base}/dashboard/customers/new`);
  assert.equal(await page.getByLabel(/I confirm it on the customer's behalf/).count(), 0);
  await page.getByText('Since 5 January 2026, partners confirm').waitFor();

  // 9. A partner with its own clock and service date (shared environments): the banner names both
  // on its users' pages, and the date field's hint follows its clock; other partners see none.
  console.log("a partner's own clock");
  const suite = await partner(`Suite Partner ${suffix}`);
  const ownClock = await api('PUT', `/_emulator/clock?partnerTenantId=${suite.id}`, { body: { now: '2026-03-01T12:00:00Z', frozen: true } });
  assert.equal(ownClock.status, 200, JSON.stringify(ownClock.body));
  const ownDate = await api('PUT', `/_emulator/service-date?partnerTenantId=${suite.id}`, { body: { date: '2025-03-01' } });
  assert.equal(ownDate.status, 200, JSON.stringify(ownDate.body));
  const suitePage = await signedIn(browser, suite.id, ['AdminAgent']);
  const banner = suitePage.locator('#serviceDateBanner');
  await banner.getByText('(pinned for your partner)').waitFor();
  const [serviceDay, clockDay] = [banner.locator('time').first(), banner.locator('time').nth(1)];
  assert.equal((await serviceDay.textContent()).trim(), '1 March 2025');
  assert.equal(await serviceDay.getAttribute('datetime'), '2025-03-01');
  assert.equal((await clockDay.textContent()).trim(), '1 March 2026');
  await banner.getByText('(not real time)').waitFor();
  await shot(suitePage, 'partner-clock-banner', 'partner-clock-banner');
  await suitePage.getByRole('link', { name: 'Add customer' }).click();
  await suitePage.getByRole('heading', { name: 'Add customer' }).waitFor();
  await suitePage.locator('#serviceDateBanner').waitFor();
  await suitePage.getByText('not later than today, 1 March 2026, by the emulator clock').waitFor();
  assert.equal(await suitePage.getByLabel('Agreement acceptance date').getAttribute('max'), '2026-03-01');
  await page.goto(`${base}/dashboard/customers`);
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  assert.equal(await page.locator('#serviceDateBanner').count(), 0, "another partner's pages keep the emulator's clock");
  assert.equal((await api('POST', '/_emulator/reset', { body: { partnerTenantId: suite.id } })).status < 300, true);
  console.log(`dashboard walk-through passed (${today()})`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  await api('PUT', '/_emulator/service-date', { body: { reset: true } });
}
process.exit(failed ? 1 : 0);
