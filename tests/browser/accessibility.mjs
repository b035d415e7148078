// An axe-core scan (WCAG 2.x A and AA, see axe.mjs) of every HTML page the emulator serves: the
// landing page, the API reference, the admin center's pages (its forms, their errors, its
// messages and its 404) and the enhanced attestation's acceptance page, in each of their states.
// Exits non-zero when a page has a serious or critical finding. To scan another page, add an
// entry to `pages` below.
// Usage: PCE_BASE=http://127.0.0.1:8080 SCREENSHOTS=dir node accessibility.mjs
import { api, base, launch, shots } from './support.mjs';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scan } from './axe.mjs';



async function partner(name, { appOnly = false } = {}) {
  const p = await api('POST', '/_emulator/partners', { body: { name, partnerType: 'DirectBill' } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const roles = appOnly ? { appOnly: true } : { roles: ['AdminAgent'] };
  const t = await api('POST', '/_emulator/tokens', { body: { partnerTenantId: p.body.tenantId, ...roles } });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  return { id: p.body.tenantId, token: t.body.access_token };
}

async function customer(token, domain) {
  const created = await api('POST', '/v1/customers', {
    token,
    body: {
      companyProfile: { domain },
      billingProfile: {
        email: `billing@${domain}.example`, culture: 'en-US', language: 'en', companyName: `${domain} Inc`,
        defaultAddress: { firstName: 'Megan', lastName: 'Bowen', addressLine1: '1 Microsoft Way', city: 'Redmond', state: 'WA', postalCode: '98052', country: 'US' },
      },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

// The data the pages show: a customer of one partner, invited by a second, and an enhanced
// attestation (today's service, the emulator's default) from a partner's application.
const suffix = Date.now().toString(36);
const contoso = await partner('Contoso Cloud Partner');
const litware = await partner('Litware Reseller Services');
const fabrikam = await customer(contoso.token, `fabrikam${suffix}`);
const { userName, password } = fabrikam.userCredentials;
const invitation = await api('GET', '/v1/customers/relationshiprequests', { token: litware.token });
assert.equal(invitation.status, 200, JSON.stringify(invitation.body));
const embedding = await partner('Embedding Partner', { appOnly: true });
const attestation = await api('POST', '/v1/attestations/enhanced', {
  token: embedding.token,
  body: { country: 'FR', language: 'fr-FR', companyName: 'Embedded SARL', signatoryFirstName: 'Chloé', signatoryLastName: 'Martin', signatoryEmail: 'chloe@embedded.example' },
});
assert.equal(attestation.status, 201, JSON.stringify(attestation.body));
const { acceptanceUrl } = attestation.body;
const japanese = await api('POST', '/v1/attestations/enhanced', {
  token: embedding.token,
  body: { country: 'JP', language: 'ja-JP', companyName: '埋め込み株式会社', signatoryFirstName: '花子', signatoryLastName: '山田', signatoryEmail: 'hanako@embedded.example' },
});
assert.equal(japanese.status, 201, JSON.stringify(japanese.body));
// an enhanced attestation of the dashboard's partner for its customer: the Account page's table
const contosoApp = (await api('POST', '/_emulator/tokens', { body: { partnerTenantId: contoso.id, appOnly: true } })).body.access_token;
const forFabrikam = await api('POST', '/v1/attestations/enhanced', {
  token: contosoApp,
  body: { country: 'US', language: 'en-US', companyName: fabrikam.companyProfile?.companyName ?? `fabrikam${suffix} Inc`, signatoryFirstName: 'Megan', signatoryLastName: 'Bowen', signatoryEmail: `megan@fabrikam${suffix}.example` },
});
assert.equal(forFabrikam.status, 201, JSON.stringify(forFabrikam.body));
const unknownId = '00000000-0000-4000-8000-000000000000';
const partnerUser = await api('POST', `/_emulator/partners/${contoso.id}/users`, {
  body: { userName: `agent@${suffix}.example`, displayName: 'Dashboard agent', roles: ['AdminAgent'] },
});
assert.equal(partnerUser.status, 201, JSON.stringify(partnerUser.body));
const signInLink = await api('POST', `/_emulator/partners/${contoso.id}/users/${partnerUser.body.id}/sign-in-links`);
assert.equal(signInLink.status, 201, JSON.stringify(signInLink.body));
const serviceDate = (date) => api('PUT', '/_emulator/service-date', { body: date ? { date } : { reset: true } });

async function fillNewCustomer(page, domain) {
  await page.getByLabel('Company name').fill(`${domain} Ltd`);
  await page.getByLabel(/^Domain name/).fill(domain);
  const info = page.getByRole('group', { name: 'Account info' });
  await info.getByLabel('First name').fill('Kim');
  await info.getByLabel('Last name').fill('Akers');
  await info.getByLabel('Email address').fill(`kim@${domain}.example`);
  for (const [label, value] of [['Address line 1', '1 Main St'], ['City', 'Seattle'], ['State or province', 'WA'], ['ZIP or postal code', '98101']]) {
    await page.getByLabel(label).fill(value);
  }
}

async function signIn(page, user, pass) {
  await page.getByLabel('Email or user name').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

// Submits a form the browser itself would not send (a required box left unticked), to show the
// server's own error.
async function submitUnticked(page, button) {
  await page.locator('#accept').evaluate((box) => box.removeAttribute('required'));
  await page.getByRole('button', { name: button }).click();
  await page.waitForLoadState();
}

const go = (url) => async (page) => {
  await page.goto(url.startsWith('http') ? url : base + url);
};

// Redoc's own rendering, which we cannot change short of patching the vendored bundle
// (assets/vendor/redoc-*): its findings are excluded on the API reference only, rule by rule and
// on Redoc's elements only. (Its colours and the samples' wrapping are set in assets/docs/docs.js.)
const redocExclusions = [
  {
    rule: 'target-size',
    selector: '#redoc .redoc-json .collapser',
    why: "the JSON samples' expand/collapse toggles are 15px buttons the bundle places in the margin "
      + 'of each line; nested collapsed ones sit on adjacent lines, and enlarging them would overlap '
      + "their neighbours. Each sample's Expand all / Collapse all buttons do the same at full size.",
  },
];

// Each entry: the page's label, how to get there (in the context it runs in), what to exclude.
// `context` is 'visitor' (no session), 'customer' (signed in through the form, in order) or
// 'narrow' (a phone-sized screen); 'partner' is a partner user of the dashboard, signed in through a
// one-time link.
const pages = [
  { context: 'visitor', label: 'landing page /', visit: go('/') },
  {
    context: 'visitor',
    label: 'API reference /_emulator/docs',
    visit: async (page) => {
      await page.goto(`${base}/_emulator/docs`);
      await page.waitForSelector('#redoc[data-state="rendered"]', { timeout: 30000 });
    },
    excluded: redocExclusions,
  },
  { context: 'visitor', label: 'admin center 404 /AdminPortal/Nope', visit: go('/AdminPortal/Nope') },
  { context: 'visitor', label: 'acceptance page (pending)', visit: go(acceptanceUrl) },
  {
    context: 'visitor',
    label: 'acceptance page (box not ticked)',
    visit: async (page) => submitUnticked(page, 'Accept'),
  },
  {
    context: 'visitor',
    label: 'acceptance page (accepted)',
    visit: async (page) => {
      await page.locator('#accept').check();
      await page.getByRole('button', { name: 'Accept' }).click();
      await page.getByRole('status').waitFor();
    },
  },
  { context: 'visitor', label: 'acceptance page (Japanese)', visit: go(japanese.body.acceptanceUrl) },
  {
    context: 'visitor',
    label: 'acceptance page (another country)',
    visit: go(japanese.body.acceptanceUrl.replace('country=JP', 'country=US')),
  },
  { context: 'visitor', label: 'acceptance page (no id)', visit: go('/EnhancedAttestation/Accept') },
  {
    context: 'visitor',
    label: 'acceptance page (link not valid)',
    visit: go(`/EnhancedAttestation/Accept?attestationId=${unknownId}`),
  },

  { context: 'customer', label: 'sign-in /AdminPortal/SignIn', visit: go('/AdminPortal/SignIn?returnUrl=/AdminPortal/Home') },
  {
    context: 'customer',
    label: 'sign-in (wrong password)',
    visit: async (page) => signIn(page, userName, 'not-the-password'),
  },
  {
    context: 'customer',
    label: 'home /AdminPortal/Home',
    visit: async (page) => {
      await signIn(page, userName, password);
      await page.getByRole('heading', { name: /Welcome/ }).waitFor();
    },
  },
  { context: 'customer', label: 'agreement ?ref=/BillingAccounts/agreement', visit: go('/AdminPortal/Home?ref=/BillingAccounts/agreement') },
  { context: 'customer', label: 'agreement (box not ticked)', visit: async (page) => submitUnticked(page, 'Accept') },
  {
    context: 'customer',
    label: 'agreement (accepted)',
    visit: async (page) => {
      await page.locator('#accept').check();
      await page.getByRole('button', { name: 'Accept' }).click();
      await page.getByRole('status').waitFor();
    },
  },
  {
    context: 'customer',
    label: 'invitation ?invType=ResellerRelationship&partnerId=…',
    visit: go(`/AdminPortal/Home?invType=ResellerRelationship&partnerId=${litware.id}`),
  },
  { context: 'customer', label: 'invitation (box not ticked)', visit: async (page) => submitUnticked(page, 'Accept and authorize') },
  {
    context: 'customer',
    label: 'invitation (accepted)',
    visit: async (page) => {
      await page.locator('#accept').check();
      await page.getByRole('button', { name: 'Accept and authorize' }).click();
      await page.getByRole('status').waitFor();
    },
  },
  {
    context: 'customer',
    label: 'invitation not valid (unknown partner)',
    visit: go(`/AdminPortal/Home?invType=ResellerRelationship&partnerId=${unknownId}`),
  },
  { context: 'customer', label: 'partners /AdminPortal/Partners', visit: go('/AdminPortal/Partners') },
  { context: 'customer', label: 'partner details /AdminPortal/Partners/<tenant>', visit: go(`/AdminPortal/Partners/${litware.id}`) },
  { context: 'customer', label: 'partner not found', visit: go(`/AdminPortal/Partners/${unknownId}`) },
  { context: 'customer', label: 'admin center 404, signed in', visit: go('/AdminPortal/Nope') },
  {
    context: 'customer',
    label: 'request refused (form expired)',
    visit: async (page) => {
      await page.goto(`${base}/AdminPortal/Home`);
      await page.locator('header input[name="csrf"]').evaluate((input) => { input.value = 'expired'; });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Request refused' }).waitFor();
    },
  },

  { context: 'visitor', label: 'dashboard sign-in /dashboard/signin', visit: go('/dashboard/signin') },
  { context: 'visitor', label: 'dashboard sign-in link not valid', visit: go('/dashboard/signin/link?token=not-a-link') },
  { context: 'visitor', label: 'dashboard 404 /dashboard/nope', visit: go('/dashboard/nope') },
  {
    context: 'partner',
    label: 'dashboard customers /dashboard/customers',
    visit: async (page) => {
      await page.goto(signInLink.body.url);
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
    },
  },
  { context: 'partner', label: 'dashboard customers (no match)', visit: go('/dashboard/customers?q=nothing-matches') },
  { context: 'partner', label: "dashboard add customer (today's service date)", visit: go('/dashboard/customers/new') },
  {
    context: 'partner',
    label: 'dashboard add customer (refused fields)',
    visit: async (page) => {
      await page.locator('[required]').evaluateAll((fields) => fields.forEach((f) => f.removeAttribute('required')));
      await page.getByRole('button', { name: 'Next: Review' }).click();
      await page.locator('#error').waitFor();
    },
  },
  {
    context: 'partner',
    label: 'dashboard review',
    visit: async (page) => {
      await page.goto(`${base}/dashboard/customers/new`);
      await fillNewCustomer(page, `a11y${suffix}`);
      await page.getByRole('button', { name: 'Next: Review' }).click();
      await page.getByRole('heading', { name: 'Review' }).waitFor();
    },
  },
  {
    context: 'partner',
    label: 'dashboard confirmation',
    visit: async (page) => {
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.getByRole('heading', { name: 'Confirmation' }).waitFor();
    },
  },
  {
    context: 'partner',
    label: 'dashboard review after Submit (Back)',
    visit: async (page) => {
      await page.goBack();
      await page.locator('#alreadySubmitted').waitFor();
    },
  },
  {
    context: 'partner',
    label: 'dashboard confirmation again (from the Account)',
    visit: async (page) => {
      await page.goto(`${base}/dashboard/customers/${fabrikam.id}/confirmation`);
      await page.getByRole('heading', { name: 'Confirmation' }).waitFor();
    },
  },
  {
    context: 'partner',
    label: "dashboard account (today's service date: read-only, with its enhanced attestations)",
    visit: async (page) => {
      await page.goto(`${base}/dashboard/customers/${fabrikam.id}/account`);
      await page.locator('#attestations').getByText('Pending').waitFor();
    },
  },
  { context: 'partner', label: 'dashboard customer not found', visit: go(`/dashboard/customers/${unknownId}/account`) },
  { context: 'partner', label: 'dashboard relationship request', visit: go('/dashboard/customers/relationship-request?dap=true') },
  {
    context: 'partner',
    label: 'dashboard add customer with attestation (2023 flow)',
    visit: async (page) => {
      await serviceDate('2025-03-01');
      await page.goto(`${base}/dashboard/customers/new`);
      await page.getByLabel(/I confirm it on the customer's behalf/).check();
    },
  },
  {
    context: 'partner',
    label: 'dashboard account Update form (2023 flow)',
    visit: go(`/dashboard/customers/${fabrikam.id}/account?update=agreement`),
  },
  {
    context: 'partner',
    label: 'dashboard account Update refused (future date)',
    visit: async (page) => {
      await page.getByLabel('Agreement acceptance date').evaluate((input) => input.removeAttribute('max'));
      await page.getByLabel('Agreement acceptance date').fill('2999-01-01');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('#error').waitFor();
    },
  },
  {
    context: 'partner',
    label: 'dashboard account Update refused, after a refresh (post/redirect/get)',
    visit: async (page) => {
      await page.reload();
      await page.locator('#error').waitFor();
      await serviceDate(null);
    },
  },

  { context: 'narrow', label: 'sign-in on a narrow screen', visit: go('/AdminPortal/SignIn') },
  { context: 'narrow', label: 'dashboard sign-in on a narrow screen', visit: go('/dashboard/signin') },
  { context: 'narrow', label: 'landing page on a narrow screen', visit: go('/') },
];

const browser = await launch();
// The pages' Content-Security-Policy would stop axe's script: the contexts bypass it.
const contexts = {
  visitor: { viewport: { width: 1280, height: 900 } },
  customer: { viewport: { width: 1100, height: 800 } },
  partner: { viewport: { width: 1200, height: 900 } },
  narrow: { viewport: { width: 360, height: 740 }, isMobile: true },
};
const opened = new Map();
async function pageFor(name) {
  if (!opened.has(name)) {
    const context = await browser.newContext({ ...contexts[name], bypassCSP: true });
    opened.set(name, await context.newPage());
  }
  return opened.get(name);
}

const failed = [];
try {
  for (const [i, entry] of pages.entries()) {
    const page = await pageFor(entry.context);
    try {
      await entry.visit(page);
      const result = await scan(page, entry.label, { excluded: entry.excluded ?? [] });
      if (result.blocking.length) {
        failed.push(entry.label);
        const file = `a11y-${String(i + 1).padStart(2, '0')}.png`;
        // The API reference is too long for a full-page shot: the first screen, then.
        await page.screenshot({ path: path.join(shots, file), fullPage: true, timeout: 10000 })
          .catch(() => page.screenshot({ path: path.join(shots, file) }));
      }
    } catch (e) {
      failed.push(entry.label);
      console.error(`ERROR ${entry.label}:`, e);
    }
  }
} finally {
  await browser.close();
  await serviceDate(null);
}
console.log(`accessibility: ${pages.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
