// Starts the real waitwell binary (target/debug/waitwell, built by
// `cargo build -p waitwell-server --bin waitwell`) with the demo office on a
// scratch SQLite file and a free loopback port, and drives headless Chromium.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
export const binary = process.env.WAITWELL_BIN || path.join(targetDir, 'debug', 'waitwell');

export const DEMO_PASSWORD = 'waitwell-demo';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitHealthy(base, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`waitwell exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waitwell did not become healthy at ${base}`);
}

/**
 * Whether the sqlite3 shell is installed (tests use it to write history
 * into a server's database). CI installs it (.ci/run), so there a missing
 * shell throws instead of letting a test skip its checks.
 */
export function sqliteShell() {
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('the sqlite3 shell is needed in CI');
    return false;
  }
}

/**
 * A waitwell server with the demo office. Fields: base, kioskToken,
 * displayToken, dbUrl. Methods: api(token, method, path, body),
 * login(user), restart(), runSql(sql), stop().
 */
export class DemoServer {
  static async start() {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo build -p waitwell-server --bin waitwell`);
    const s = new DemoServer();
    s.dir = mkdtempSync(path.join(tmpdir(), 'waitwell-web-'));
    s.dbUrl = `sqlite://${path.join(s.dir, 'waitwell.db')}`;
    s.port = await freePort();
    s.base = `http://127.0.0.1:${s.port}`;
    await s.spawn(true);
    return s;
  }

  async spawn(demo) {
    const args = ['serve'];
    if (demo) args.push('--demo');
    const child = spawn(binary, args, {
      env: { ...process.env, WAITWELL_LISTEN: `127.0.0.1:${this.port}`, WAITWELL_DATABASE_URL: this.dbUrl, WAITWELL_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    await waitHealthy(this.base, child);
    if (demo) {
      // The demo banner is printed before the server listens.
      this.kioskToken = /kiosk token:\s+(\S+)/.exec(out)[1];
      this.displayToken = /display token:\s+(\S+)/.exec(out)[1];
    }
  }

  /** Stops the server (SIGTERM) and starts it again on the same port and database. */
  async restart({ downMs = 0 } = {}) {
    await this.stopProcess();
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.spawn(false);
  }

  /** Runs `sql` on the server's database with the sqlite3 shell, with the
   *  server stopped meanwhile. */
  async runSql(sql) {
    await this.stopProcess();
    execFileSync('sqlite3', [this.dbUrl.replace(/^sqlite:\/\//, '')], { input: sql });
    await this.spawn(false);
  }

  async stopProcess() {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }

  async stop() {
    await this.stopProcess();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async api(token, method, p, body) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async login(username, password = DEMO_PASSWORD) {
    const res = await this.api(null, 'POST', '/api/v1/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
    return res.body.token;
  }
}

/** Headless Chromium as installed by Debian's chromium package. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Where tests save screenshots (web-tests/screenshots/, ignored by git). */
export const screenshotDir = path.join(root, 'web-tests', 'screenshots');
