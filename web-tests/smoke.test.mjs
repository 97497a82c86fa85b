// The server serves its pages and the shared live module works in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';

let server;
let browser;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('landing page links to every page', async () => {
  const page = await browser.newPage();
  await page.goto(server.base + '/');
  const links = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of ['/clerk/', '/manager/', '/display/', '/kiosk/']) assert.ok(links.includes(href), href);
  await page.close();
});

test('live.js keeps the same state as a fresh snapshot', async () => {
  const page = await browser.newPage();
  await page.goto(server.base + '/');
  const token = await server.login('clerk1');
  const result = await page.evaluate(async ({ token }) => {
    const { LiveConnection, emptyState, applyMessage } = await import('/common/live.js');
    const updates = [];
    const conn = new LiveConnection({ branchId: 1, token, onState: (s, m) => updates.push(m.type) });
    const waitFor = async (pred) => {
      for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await waitFor(() => updates.length > 0);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await fetch('/api/v1/desks/1/open', { method: 'POST', headers });
    await fetch('/api/v1/branches/1/tickets', { method: 'POST', headers, body: JSON.stringify({ service_id: 1 }) });
    await fetch('/api/v1/desks/1/call-next', { method: 'POST', headers });
    await waitFor(() => updates.includes('ticket.called'));
    // A second connection starts from a snapshot of the same moment.
    const fresh = await new Promise((resolve) => {
      const c2 = new LiveConnection({ branchId: 1, token, onState: (s) => { c2.close(); resolve(s); } });
    });
    conn.close();
    // Key order does not matter, content does.
    const canon = (v) => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object'
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
    const plain = (s) => JSON.stringify(canon({ ...s, services: [...s.services], desks: [...s.desks], tickets: [...s.tickets] }));
    return { updates, same: plain(conn.state) === plain(fresh), a: plain(conn.state), b: plain(fresh), calls: conn.state.calls.map((c) => c.number) };
  }, { token });
  assert.equal(result.updates[0], 'snapshot');
  assert.ok(result.updates.includes('ticket.issued'));
  assert.deepEqual(result.calls, ['A001']);
  assert.equal(result.a, result.b, 'state from events differs from a fresh snapshot');
  await page.close();
});
