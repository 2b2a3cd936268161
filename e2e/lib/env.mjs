// The world the acceptance suite runs in: the release-built `natter` server on loopback,
// a plain host page on a DIFFERENT origin (http://localhost:HOSTPORT vs the server's
// http://127.0.0.1:PORT), a cuttable TCP proxy in front of the server, and one headless
// Chromium driven by playwright-core. Nothing here downloads anything.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, mkdirSync, createWriteStream, writeFileSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(ROOT, 'target', 'e2e');
export const STAFF = { email: 'demo@example.com', password: 'demo' };

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port nobody listens on right now. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The release server, killable with SIGKILL and restartable on the same port and database. */
export class NatterServer {
  /** `demo: false` starts a fresh install, which logs its one-time setup URL. */
  constructor({ port, dbDir, demo = true, logName = 'server.log', extraArgs = [] }) {
    this.port = port;
    this.extraArgs = extraArgs;
    this.dbDir = dbDir;
    this.demo = demo;
    this.url = `http://127.0.0.1:${port}`;
    this.proc = null;
    /** Everything the server printed, to read its setup URL from. */
    this.output = '';
    this.log = createWriteStream(path.join(ARTIFACTS, logName), { flags: 'a' });
  }

  /** The setup URL the server logged at its first start (waits for the line). */
  async setupUrl(timeout = 10_000) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const found = this.output.match(/http:\/\/\S+\/setup\?token=[0-9a-f]{64}/);
      if (found) return found[0];
      await sleep(50);
    }
    throw new Error('the server logged no setup URL');
  }

  /**
   * The release binary, copied alone into the suite's empty directory (beside the
   * database it creates), as an owner installs it.
   */
  get binary() {
    if (!this.installed) {
      const built = process.env.NATTER_BIN || path.join(ROOT, 'target', 'release', 'natter');
      this.installed = path.join(this.dbDir, 'natter');
      copyFileSync(built, this.installed);
      chmodSync(this.installed, 0o755);
    }
    return this.installed;
  }

  async start() {
    const args = [
      'serve',
      '--addr', `127.0.0.1:${this.port}`,
      '--database-url', `sqlite://${path.join(this.dbDir, 'natter.db')}`,
      ...(this.demo ? ['--demo'] : []),
      '--sqlite-synchronous', 'normal',
      // Without overrides the server serves the widget and inbox built into it.
      ...(process.env.E2E_WIDGET_DIR ? ['--widget-dir', process.env.E2E_WIDGET_DIR] : []),
      ...(process.env.E2E_INBOX_DIR ? ['--inbox-dir', process.env.E2E_INBOX_DIR] : []),
      '--rate-leads', '0/min', '--rate-messages', '0/min',
      '--rate-messages-per-ip', '0/min', '--rate-reads', '0/min', '--rate-subscribes', '0/min',
      '--rate-logins', '0/min', '--rate-logins-per-email', '0/min',
      ...this.extraArgs,
    ];
    this.log.write(`\n===== ${new Date().toISOString()} start ${this.binary} ${args.join(' ')}\n`);
    const proc = spawn(this.binary, args, {
      // An empty directory: what the server serves must come from the binary, not the repository.
      cwd: this.dbDir,
      env: { ...process.env, NATTER_LOG: process.env.NATTER_LOG || 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const record = (d) => { this.log.write(d); this.output += d; };
    proc.stdout.on('data', record);
    proc.stderr.on('data', record);
    let exited = null;
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      this.log.write(`===== exited code=${code} signal=${signal}\n`);
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`natter exited at start (${JSON.stringify(exited)}); see ${path.join(ARTIFACTS, 'server.log')}`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.ok) return;
      } catch { /* not up yet */ }
      await sleep(100);
    }
    throw new Error(`natter did not become ready on ${this.url}; see ${path.join(ARTIFACTS, 'server.log')}`);
  }

  /** SIGKILL: no graceful shutdown, no close frames. */
  async kill() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
    this.proc = null;
  }
}

/**
 * A TCP proxy in front of the server: `cut()` destroys every connection through it and
 * refuses new ones (a network drop, as the browser sees it); `restore()` listens again.
 */
export class CuttableProxy {
  constructor({ port, target }) {
    this.port = port;
    this.target = target;
    this.url = `http://127.0.0.1:${port}`;
    this.sockets = new Set();
    this.server = null;
  }

  start() {
    if (this.server) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const server = net.createServer((client) => {
        const upstream = net.connect(this.target.port, '127.0.0.1');
        this.sockets.add(client);
        this.sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          this.sockets.delete(client);
          this.sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.server = server;
        resolve();
      });
    });
  }

  async cut() {
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise((r) => server.close(r)) : Promise.resolve();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  restore() {
    return this.start();
  }
}

/**
 * The customer's website: a plain page on another origin whose only Natter-related content
 * is the embed script tag. `/` embeds from the server, `/via-proxy` from the proxy,
 * `/aggressive` adds hostile CSS.
 */
export function startHostSite({ port, serverUrl, proxyUrl }) {
  const template = readFileSync(path.join(ROOT, 'e2e', 'host', 'page.html'), 'utf8');
  const hostile = readFileSync(path.join(ROOT, 'e2e', 'host', 'aggressive.css'), 'utf8');
  const page = (chatServer, css) =>
    template
      .replace('{{CSS}}', css ? `<style>\n${css}</style>` : '')
      .replace('{{EMBED}}', `<script src="${chatServer}/embed.js" data-org="demo" data-account="demo" async></script>`);
  const routes = {
    '/': () => page(serverUrl),
    '/via-proxy': () => page(proxyUrl),
    '/aggressive': () => page(serverUrl, hostile),
  };
  const server = http.createServer((req, res) => {
    const route = routes[new URL(req.url, 'http://x').pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(route());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** The Chromium build the distribution ships: never a downloaded one. */
export function launchBrowser() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (scripts/setup.sh installs it)`);
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** aiosmtpd (installed by scripts/setup.sh) on a free loopback port, keeping what it
 * receives in a maildir: the real SMTP server of the email scenarios. */
export class SmtpServer {
  async start() {
    const python = path.join(ROOT, 'target', 'smtpd-venv', 'bin', 'python');
    if (!existsSync(python)) throw new Error(`${python} is missing: run scripts/setup.sh (it installs aiosmtpd)`);
    this.port = await freePort();
    this.maildir = mkdtempSync(path.join(os.tmpdir(), 'e2e-mail-'));
    this.proc = spawn(python, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${this.port}`,
      '-c', 'aiosmtpd.handlers.Mailbox', path.join(this.maildir, 'mail')], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const up = await new Promise((resolve) => {
        const socket = net.connect(this.port, '127.0.0.1', () => { socket.end(); resolve(true); });
        socket.on('error', () => resolve(false));
      });
      if (up) return this;
      await sleep(50);
    }
    throw new Error('aiosmtpd did not start');
  }

  /** Every email received so far, with quoted-printable soft breaks and `=3D` undone. */
  messages() {
    const dir = path.join(this.maildir, 'mail', 'new');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).sort().map((f) => readFileSync(path.join(dir, f), 'utf8')
      .replace(/=\r?\n/g, '').replace(/=3D/g, '='));
  }

  stop() {
    this.proc?.kill('SIGKILL');
    if (this.maildir) rmSync(this.maildir, { recursive: true, force: true });
  }
}

/**
 * A push service on loopback, and the browser side of its subscriptions: it keeps what
 * the server pushed, and decrypts it (RFC 8291, aes128gcm) with the subscription's
 * private key, which only the test holds.
 */
export class PushService {
  async start() {
    this.received = [];
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(201).end();
      });
    });
    this.port = await freePort();
    await new Promise((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** A browser's subscription keys for `endpointPath`: what `PushSubscription.toJSON()` gives. */
  subscription(endpointPath) {
    const ecdh = crypto.createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = crypto.randomBytes(16);
    return {
      ecdh,
      auth,
      json: {
        endpoint: `${this.origin}${endpointPath}`,
        expirationTime: null,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      },
    };
  }

  /** The JSON a push carried, decrypted with `subscription`'s keys. */
  static decrypt(body, { ecdh, auth }) {
    const salt = body.subarray(0, 16);
    const idlen = body[20];
    const serverKey = body.subarray(21, 21 + idlen);
    const sealed = body.subarray(21 + idlen);
    const shared = ecdh.computeSecret(serverKey);
    const info = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverKey]);
    const ikm = Buffer.from(crypto.hkdfSync('sha256', shared, auth, info, 32));
    const key = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = crypto.createDecipheriv('aes-128-gcm', key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const padded = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
    // The last record ends with a 0x02 delimiter, then zero padding.
    let end = padded.length - 1;
    while (end > 0 && padded[end] === 0) end -= 1;
    assertDelimiter(padded[end]);
    return JSON.parse(padded.subarray(0, end).toString('utf8'));
  }

  stop() {
    this.server?.close();
  }
}

function assertDelimiter(byte) {
  if (byte !== 2) throw new Error(`not the last record's delimiter: ${byte}`);
}

/** Everything the suite needs, started once. */
export async function startWorld() {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, 'server.log'), '');
  const dbDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-'));
  const [port, proxyPort, hostPort] = [await freePort(), await freePort(), await freePort()];
  const server = new NatterServer({ port, dbDir });
  await server.start();
  const proxy = new CuttableProxy({ port: proxyPort, target: server });
  await proxy.start();
  const host = await startHostSite({ port: hostPort, serverUrl: server.url, proxyUrl: proxy.url });
  const browser = await launchBrowser();
  const world = {
    server, proxy, browser, dbDir,
    hostUrl: `http://localhost:${hostPort}`,
    async stop() {
      await browser.close().catch(() => {});
      const closed = new Promise((r) => host.close(r));
      host.closeAllConnections();
      await closed;
      await proxy.cut();
      await server.kill();
      if (!process.env.E2E_KEEP_DB) rmSync(dbDir, { recursive: true, force: true });
    },
  };
  return world;
}
