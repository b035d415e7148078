// What every browser test here shares: the emulator's address, the screenshot folder, a small
// API client, and Debian's Chromium launched as this machine allows it (no sandbox as root, no
// background connections the closed network would refuse).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const base = process.env.PCE_BASE ?? 'http://127.0.0.1:8080';
export const shots = process.env.SCREENSHOTS ?? 'screenshots';
mkdirSync(shots, { recursive: true });

/// A call to the emulator: JSON bodies by default, a string body sent as it is.
export async function api(method, route, { token, body, contentType = 'application/json' } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(base + route, { method, headers, body: payload });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
