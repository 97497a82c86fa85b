// Page helpers shared by the browser tests: a fresh browser profile that
// fails on page errors, staff sign-in on the consoles, and the kiosk's tap
// pause.
import { DEMO_PASSWORD } from './server.mjs';

/** A fresh browser profile (own localStorage) and a page in it; the page's
 *  uncaught errors are collected in `page.errors`. */
export async function freshPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  return { context, page };
}

/** Signs in on a console page (/clerk/ or /manager/). */
export async function signIn(page, base, consolePath, username) {
  await page.goto(base + consolePath);
  await page.getByLabel('User name', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in on the clerk console and takes desk `deskId`. */
export async function clerkAt(page, base, username, deskId) {
  await signIn(page, base, '/clerk/', username);
  await page.locator('#desk-select').selectOption(String(deskId));
  await page.getByRole('button', { name: 'Use this desk' }).click();
  await page.locator('#console').waitFor();
  await page.locator('#conn[data-status="live"]').waitFor();
}

/** Signs in on the manager console and waits for the live monitor. */
export async function managerAt(page, base, username = 'manager') {
  await signIn(page, base, '/manager/', username);
  await page.locator('#monitor-services [data-service-id]').first().waitFor();
  await page.locator('#conn[data-status="live"]').waitFor();
}

/** The kiosk drops taps in the first moments of a new screen (the tail of
 *  a double tap); a test waits as long as a visitor would. */
export async function tap(locator) {
  await locator.page().waitForTimeout(500);
  await locator.click();
}
