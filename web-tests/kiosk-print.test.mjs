// End to end: the touch page issues a ticket and the kiosk agent prints it
// on a (fake) ESC/POS printer listening on 127.0.0.1; the bytes decode to
// the right number, service and language, in the printer's code page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DemoServer, launchBrowser, binary } from './lib/server.mjs';

const agentBinary = process.env.WAITWELL_KIOSK_BIN || path.join(path.dirname(binary), 'waitwell-kiosk');

let server;
let browser;
let printer;
let agent;
let dir;
const printer_state = { received: Buffer.alloc(0), statusQueries: 0 };

// A printer that records what it is sent and answers DLE EOT 1/2/4 status
// queries with "ready" (fixed bits only).
function startPrinter() {
  return new Promise((resolve) => {
    const srv = net.createServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          const i = pending.findIndex((b, k) => b === 0x10 && pending[k + 1] === 0x04 && [1, 2, 4].includes(pending[k + 2]));
          if (i < 0) break;
          printer_state.received = Buffer.concat([printer_state.received, pending.subarray(0, i)]);
          pending = pending.subarray(i + 3);
          printer_state.statusQueries += 1;
          socket.write(Buffer.from([0x12]));
        }
      });
      socket.on('end', () => {
        printer_state.received = Buffer.concat([printer_state.received, pending]);
      });
      socket.on('close', () => {
        printer_state.received = Buffer.concat([printer_state.received, pending]);
        pending = Buffer.alloc(0);
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

async function until(pred, what, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  assert.ok(existsSync(agentBinary), `${agentBinary} is missing: cargo build -p waitwell-kiosk`);
  server = await DemoServer.start();
  browser = await launchBrowser();
  printer = await startPrinter();
  dir = mkdtempSync(path.join(tmpdir(), 'waitwell-kiosk-'));
  const config = path.join(dir, 'waitwell-kiosk.toml');
  writeFileSync(
    config,
    [
      `server_url = "${server.base}"`,
      `token = "${server.kioskToken}"`,
      `state_file = "${path.join(dir, 'state.json')}"`,
      '[printer]',
      'connection = "tcp"',
      `address = "127.0.0.1:${printer.address().port}"`,
      'paper_width = 80',
      'code_page = "auto"',
      '',
    ].join('\n'),
  );
  agent = spawn(agentBinary, ['--config', config], { env: { ...process.env, WAITWELL_LOG: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'] });
  // The agent checks the printer once it follows the stream.
  await until(() => printer_state.statusQueries > 0, 'the agent to check the printer');
});

after(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  printer?.close();
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a ticket taken at the touch page is printed in the visitor\'s language', async () => {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/kiosk/?token=${server.kioskToken}`);
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  const tap = async (locator) => {
    await page.waitForTimeout(500);
    await locator.click();
  };
  await tap(page.locator('#languages button', { hasText: 'Polski' }));
  await tap(page.locator('#categories button', { hasText: 'Documents' }));
  await tap(page.locator('#services button', { hasText: 'Paszporty' }));
  await tap(page.locator('#priority-no'));
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  const number = (await page.locator('#ticket-number').textContent()).trim();
  assert.equal(number, 'A001');

  await until(() => printer_state.received.includes(Buffer.from('A001')), 'the ticket to be printed');
  // Let the rest of the ticket (QR code, cut) arrive.
  await until(() => printer_state.received.includes(Buffer.from([0x1d, 0x56])), 'the cut');
  const bytes = printer_state.received;
  assert.ok(bytes.includes(Buffer.from('Paszporty')), 'service name in Polish');
  // Polish selects code page PC852 (ESC t 18) and "Twój numer" is sent with
  // ó as PC852's 0xA2, never as UTF-8 (0xC3 0xB3).
  assert.ok(bytes.includes(Buffer.from([0x1b, 0x74, 18])), 'ESC t 18 (PC852)');
  assert.ok(bytes.includes(Buffer.from([0x54, 0x77, 0xa2, 0x6a, 0x20, 0x6e, 0x75, 0x6d, 0x65, 0x72])), '"Twój numer" in PC852');
  assert.ok(!bytes.includes(Buffer.from([0xc3, 0xb3])), 'no UTF-8 bytes');
  assert.ok(bytes.includes(Buffer.from('/ticket/?t=')), 'QR code links to the ticket page');
  // Printed once.
  assert.equal(bytes.indexOf(Buffer.from('A001')), bytes.lastIndexOf(Buffer.from('A001')));
  await context.close();
});
