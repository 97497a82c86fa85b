// The display with many services and long headers: with 12 services every
// one of them appears (the queue panel turns its pages), and the Polish
// headers ("OCZEKUJE", "SZACOWANY CZAS") stay inside their columns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';
import { freshPage } from './lib/pages.mjs';

let server;
let browser;
let manager;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  const existing = (await server.api(manager, 'GET', '/api/v1/branches/1/services')).body;
  const list = Array.isArray(existing) ? existing : existing.items;
  const codes = 'EFGHJKLMNPQR'.split('');
  for (let i = 0; list.length + i < 12; i++) {
    const r = await server.api(manager, 'POST', '/api/v1/branches/1/services', {
      code: codes[i], name: `Service number ${i + 1} with a fairly long name`,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const devices = (await server.api(manager, 'GET', '/api/v1/branches/1/devices')).body;
  const display = (Array.isArray(devices) ? devices : devices.items).find((d) => d.kind === 'display');
  const r = await server.api(manager, 'PATCH', `/api/v1/devices/${display.id}`, { config: { languages: ['pl'] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** Ids of the service rows visible inside the queue panel. */
function visibleRows(page) {
  return page.evaluate(() => {
    const panel = document.querySelector('.queues').getBoundingClientRect();
    return Array.from(document.querySelectorAll('#services tbody tr'))
      .filter((row) => {
        const r = row.getBoundingClientRect();
        return r.height > 0 && r.top >= panel.top - 1 && r.bottom <= panel.bottom + 1;
      })
      .map((row) => row.getAttribute('data-service-id'));
  });
}

for (const viewport of [{ width: 1920, height: 1080 }, { width: 1280, height: 720 }]) {
  test(`12 services at ${viewport.width}x${viewport.height}: every one shows, page by page`, async () => {
    const { page, context } = await freshPage(browser, { viewport });
    await page.goto(`${server.base}/display/?token=${server.displayToken}&rotate=2`);
    await page.locator('#services tbody tr').nth(11).waitFor({ state: 'attached' });
    await page.waitForFunction(() => document.documentElement.lang === 'pl');
    const seen = new Set();
    const pages = Number(await page.locator('#services').getAttribute('data-pages'));
    assert.ok(pages >= 1);
    for (let i = 0; i < pages; i++) {
      const want = String(i + 1);
      await page.waitForFunction((w) => document.querySelector('#services').getAttribute('data-page') === w, want, { timeout: 5000 });
      for (const id of await visibleRows(page)) seen.add(id);
    }
    assert.equal(seen.size, 12, `rows seen: ${[...seen]}`);
    if (pages > 1) assert.equal(await page.locator('#services-page').textContent(), `${pages} / ${pages}`);

    // Headers stay inside their own cells and do not overlap each other.
    const headers = await page.evaluate(() => Array.from(document.querySelectorAll('#services th')).map((th) => {
      const range = document.createRange();
      range.selectNodeContents(th);
      const text = range.getBoundingClientRect();
      const cell = th.getBoundingClientRect();
      return { text: th.textContent, left: text.left, right: text.right, cellLeft: cell.left, cellRight: cell.right };
    }));
    assert.match(headers.map((h) => h.text).join('|'), /Oczekuje.*Szacowany czas/i);
    for (const h of headers) {
      assert.ok(h.left >= h.cellLeft - 1 && h.right <= h.cellRight + 1, JSON.stringify(h));
    }
    await context.close();
  });
}
