// After a server restart the display and both consoles say they are live
// again as soon as their connection is back, without waiting for the next
// event of the office (which may be minutes away on a quiet afternoon).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';
import { freshPage, clerkAt, managerAt } from './lib/pages.mjs';

let server;
let browser;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('display, clerk and manager show live again right after a restart, with no event', async () => {
  const display = await freshPage(browser, { viewport: { width: 1280, height: 720 } });
  await display.page.goto(`${server.base}/display/?token=${server.displayToken}`);
  await display.page.locator('#connection[data-state="live"]').waitFor({ state: 'attached' });
  const clerk = await freshPage(browser, { viewport: { width: 1366, height: 768 } });
  await clerkAt(clerk.page, server.base, 'clerk1', 1);
  const manager = await freshPage(browser, { viewport: { width: 1366, height: 768 } });
  await managerAt(manager.page, server.base);

  // Record every state the marks go through.
  const watch = (page, selector, attr) => page.evaluate(([selector, attr]) => {
    window.seenStates = [];
    const node = document.querySelector(selector);
    new MutationObserver(() => window.seenStates.push(node.getAttribute(attr))).observe(node, { attributes: true, attributeFilter: [attr] });
  }, [selector, attr]);
  await watch(display.page, '#connection', 'data-state');
  await watch(clerk.page, '#conn', 'data-status');
  await watch(manager.page, '#conn', 'data-status');

  await server.restart({ downMs: 1000 });
  // ...and is live again within the back-off (at most a few seconds here),
  // long before the 10 s heartbeat, with nothing happening in the office.
  const backWithin = 8000;
  await Promise.all([
    display.page.locator('#connection[data-state="live"]').waitFor({ state: 'attached', timeout: backWithin }),
    clerk.page.locator('#conn[data-status="live"]').waitFor({ timeout: backWithin }),
    manager.page.locator('#conn[data-status="live"]').waitFor({ timeout: backWithin }),
  ]);
  for (const p of [display, clerk, manager]) {
    // Each went through the outage (it did not just stay "live").
    const seen = await p.page.evaluate(() => window.seenStates);
    assert.ok(seen.includes('offline'), JSON.stringify(seen));
    assert.equal(seen[seen.length - 1], 'live');
    assert.deepEqual(p.page.errors, []);
    await p.context.close();
  }
});
