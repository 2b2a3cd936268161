// Page-level helpers: the widget and the inbox the way a person uses them, the staff API
// for checking what the server stored, and failure artifacts (screenshot + console).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ARTIFACTS, STAFF } from './env.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; fails with `what` and the last value. */
export async function until(fn, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`${what} (within ${timeout} ms; last: ${JSON.stringify(last)})`);
}


// ---------------------------------------------------------------------------------------
// Pages with a recorded console, and what to save when a test fails.

/** Every page the current test opened, so a failure can photograph all of them. */
const tracked = new Set();

/** Opens a page in `context` that records its console, errors and socket life. */
export async function openPage(context, label) {
  const page = await context.newPage();
  page.label = label;
  page.consoleLines = [];
  const log = (line) => page.consoleLines.push(`${new Date().toISOString()} ${line}`);
  page.on('console', (m) => log(`[console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log(`[pageerror] ${e.stack || e.message}`));
  page.on('requestfailed', (r) => log(`[requestfailed] ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) log(`[http ${r.status()}] ${r.request().method()} ${r.url()}`); });
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) log(`[navigated] ${f.url()}`); });
  page.on('websocket', (ws) => {
    log(`[ws open] ${ws.url()}`);
    ws.on('framesent', (f) => log(`[ws >] ${String(f.payload).slice(0, 300)}`));
    ws.on('framereceived', (f) => log(`[ws <] ${String(f.payload).slice(0, 300)}`));
    ws.on('close', () => log(`[ws close] ${ws.url()}`));
  });
  page.on('dialog', (d) => { log(`[dialog ${d.type()}] ${d.message()}`); page.dialogs = (page.dialogs || 0) + 1; (page.acceptDialogs ? d.accept() : d.dismiss()).catch(() => {}); });
  page.on('close', () => tracked.delete(page));
  tracked.add(page);
  return page;
}

const slug = (name) => name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();

/** Saves a screenshot and the console of every open page (this test's first); prints the paths. */
async function saveArtifacts(testName, ownPages) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const base = slug(testName);
  const pages = [...new Set([...ownPages, ...tracked])];
  let first = true;
  for (const page of pages) {
    if (page.isClosed()) continue;
    const stem = path.join(ARTIFACTS, first ? base : `${base}.${slug(page.label)}`);
    first = false;
    try {
      await page.screenshot({ path: `${stem}.png`, fullPage: false, timeout: 10_000 });
      console.error(`# screenshot: ${stem}.png`);
    } catch (e) {
      console.error(`# screenshot of ${page.label} failed: ${e.message}`);
    }
    let dom = '';
    try {
      dom = await page.evaluate(() => {
        const host = document.querySelector('natter-chat');
        return host?.shadowRoot ? `\n--- widget shadow DOM ---\n${host.shadowRoot.innerHTML}` : `\n--- body ---\n${document.body?.innerHTML}`;
      });
    } catch { /* page gone */ }
    writeFileSync(`${stem}.console.log`, `page ${page.label}: ${page.url()}\n${page.consoleLines.join('\n')}\n${dom}\n`);
    console.error(`# console: ${stem}.console.log`);
  }
  console.error(`# server log: ${path.join(ARTIFACTS, 'server.log')}`);
}

/**
 * Wraps a test body. The body gets `s.context(browser, options)`: browser contexts that are
 * closed after the test, and only after a failure's screenshot and console are saved.
 */
export function scenario(name, fn) {
  return async (t) => {
    const contexts = [];
    const ownPages = [];
    const s = {
      t,
      async context(browser, options) {
        const context = await newContext(browser, options);
        context.on('page', (p) => ownPages.push(p));
        contexts.push(context);
        return context;
      },
      own(page) { ownPages.push(page); return page; },
    };
    try {
      await fn(s);
    } catch (err) {
      await saveArtifacts(name, ownPages);
      throw err;
    } finally {
      for (const c of contexts) await c.close().catch(() => {});
    }
  };
}

/** A browser context (a visitor's or a staff member's own browser profile). */
export function newContext(browser, options = {}) {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
}

// ---------------------------------------------------------------------------------------
// The widget. Playwright's CSS engine pierces open shadow roots, so `natter-chat .n-x`
// finds elements inside the widget's shadow root (and not the host page's look-alikes).

export const W = {
  host: 'natter-chat',
  launcher: 'natter-chat .n-launcher',
  panel: 'natter-chat .n-panel',
  status: 'natter-chat .n-status',
  name: 'natter-chat #n-name',
  email: 'natter-chat #n-email',
  first: 'natter-chat #n-first',
  start: 'natter-chat .n-lead button[type=submit]',
  composer: 'natter-chat #n-text',
  send: 'natter-chat .n-send',
  msg: 'natter-chat .n-msg',
  mine: 'natter-chat .n-msg.n-mine',
  theirs: 'natter-chat .n-msg.n-theirs',
};

/** Loads the host page and opens the widget by clicking its launcher. */
export async function openWidget(page, url) {
  if (url) await page.goto(url);
  await page.locator(W.launcher).click();
  await page.locator(W.panel).waitFor({ state: 'visible', timeout: 20_000 });
}

/** Fills and submits the lead form; resolves when the conversation view is shown. */
export async function startChat(page, { name, email = '', first = '' }) {
  await page.locator(W.name).fill(name);
  if (email) await page.locator(W.email).fill(email);
  if (first) await page.locator(W.first).fill(first);
  await page.locator(W.start).click();
  await page.locator(W.composer).waitFor({ state: 'visible', timeout: 15_000 });
}

/** Types a message in the composer and sends it with Enter. */
export async function sendMessage(page, text) {
  const box = page.locator(W.composer);
  await box.fill(text);
  await box.press('Enter');
}

/** The widget's messages, in DOM order: text, side class, delivery state, and geometry. */
export function widgetMessages(page) {
  return page.evaluate(() => {
    const root = document.querySelector('natter-chat')?.shadowRoot;
    if (!root) return [];
    const log = root.querySelector('.n-log')?.getBoundingClientRect();
    return [...root.querySelectorAll('.n-msg')].map((el) => {
      const bubble = el.querySelector('.n-bubble');
      const b = bubble.getBoundingClientRect();
      return {
        text: bubble.textContent,
        mine: el.classList.contains('n-mine'),
        theirs: el.classList.contains('n-theirs'),
        state: el.dataset.state,
        bubbleElements: bubble.children.length,
        left: b.left - log.left,
        right: log.right - b.right,
        width: b.width,
        logWidth: log.width,
      };
    });
  });
}

/** Waits until `text` is shown in the widget with `state` (default: sent). */
export async function waitForWidgetMessage(page, text, { state = 'sent', side, timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  let last = [];
  while (Date.now() < deadline) {
    last = await widgetMessages(page);
    const hit = last.find((m) => m.text === text && (!state || m.state === state) && (!side || m[side]));
    if (hit) return hit;
    await sleep(100);
  }
  throw new Error(`the widget did not show ${JSON.stringify(text)} (state ${state}${side ? `, ${side}` : ''}) within ${timeout} ms; it shows:\n${JSON.stringify(last.map(({ text, state, mine }) => ({ text, state, mine })), null, 1)}`);
}

/** Fails if any of `texts` is not shown exactly once, as sent, or if anything failed. */
export async function assertEachOnce(page, texts, where = 'widget') {
  const shown = await widgetMessages(page);
  for (const text of texts) {
    const copies = shown.filter((m) => m.text === text);
    assert.equal(copies.length, 1, `${where}: ${JSON.stringify(text)} is shown ${copies.length} times, expected once`);
    if (copies[0].mine) assert.equal(copies[0].state, 'sent', `${where}: ${JSON.stringify(text)} is ${copies[0].state}, expected sent`);
  }
  const failed = shown.filter((m) => m.state === 'failed');
  assert.deepEqual(failed.map((m) => m.text), [], `${where}: messages marked failed`);
  return shown;
}

/** The record the widget keeps in the host page's localStorage (`natter:<org>:<account>`). */
export function widgetStorage(page, key = 'natter:demo:demo') {
  return page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), key);
}

/** Makes a reload detectable: the marker is gone after any navigation. */
export async function markPage(page) {
  await page.evaluate(() => { window.__e2eNoReload = true; });
}
export async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__e2eNoReload === true), true, 'the page was reloaded');
}

// ---------------------------------------------------------------------------------------
// The staff inbox (a second browser context).

export const I = {
  email: '#email',
  password: '#password',
  signIn: '.signin button[type=submit]',
  row: (convId) => `li.row[data-conv="${convId}"] button`,
  reply: '#reply',
  msgIn: 'ol.messages li.msg.in',
  msgOut: 'ol.messages li.msg.out',
  badge: '.conn',
};

export async function signInInbox(page, serverUrl) {
  await page.goto(`${serverUrl}/inbox/`);
  await page.locator(I.email).fill(STAFF.email);
  await page.locator(I.password).fill(STAFF.password);
  await page.locator(I.signIn).click();
  await page.locator('.topbar').waitFor({ timeout: 20_000 });
}

export async function openInboxConversation(page, convId) {
  await page.locator(I.row(convId)).click({ timeout: 15_000 });
  await page.locator(I.reply).waitFor({ timeout: 10_000 });
}

/** The open conversation's messages in the inbox: text, direction, pending, geometry. */
export function inboxMessages(page) {
  return page.evaluate(() => {
    const log = document.querySelector('.log')?.getBoundingClientRect();
    return [...document.querySelectorAll('ol.messages li.msg')].map((el) => {
      const text = el.querySelector('.text');
      const b = text.getBoundingClientRect();
      return {
        text: text.textContent,
        dir: el.classList.contains('in') ? 'in' : el.classList.contains('out') ? 'out' : '?',
        pending: el.classList.contains('pending'),
        seq: el.dataset.seq ? Number(el.dataset.seq) : null,
        textElements: text.children.length,
        left: b.left - log.left,
        right: log.right - b.right,
      };
    });
  });
}

export async function waitForInboxMessage(page, text, { dir, pending = false, timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  let last = [];
  while (Date.now() < deadline) {
    last = await inboxMessages(page);
    const hit = last.find((m) => m.text === text && (!dir || m.dir === dir) && m.pending === pending);
    if (hit) return hit;
    await sleep(100);
  }
  throw new Error(`the inbox did not show ${JSON.stringify(text)} within ${timeout} ms; it shows:\n${JSON.stringify(last.map(({ text, dir, pending }) => ({ text, dir, pending })), null, 1)}`);
}

export async function replyInInbox(page, text) {
  const box = page.locator(I.reply);
  await box.fill(text);
  await box.press('Enter');
}

// ---------------------------------------------------------------------------------------
// The HTTP API, to check what the server stored.

export class StaffApi {
  constructor(serverUrl) {
    this.base = `${serverUrl}/api/v1`;
    this.token = null;
  }

  async call(method, pathname, body) {
    if (!this.token && pathname !== '/auth/login') await this.login();
    const res = await fetch(`${this.base}${pathname}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async login() {
    const res = await this.call('POST', '/auth/login', STAFF);
    this.token = res.token;
  }

  /** Every stored message of a conversation, ascending. */
  async messages(convId) {
    const all = [];
    let after = 0;
    for (;;) {
      const page = await this.call('GET', `/conversations/${encodeURIComponent(convId)}/messages?after_seq=${after}&limit=500`);
      all.push(...page.messages);
      if (!page.messages.length || page.messages.at(-1).seq >= page.last_seq) break;
      after = page.messages.at(-1).seq;
    }
    return all;
  }

  reply(convId, text, clientMsgId = `e2e-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
    return this.call('POST', `/conversations/${encodeURIComponent(convId)}/replies`, { text, client_msg_id: clientMsgId });
  }
}

/** Fails unless the server stored each text exactly once in the conversation, in `direction`. */
export async function assertStoredOnce(api, convId, texts, direction) {
  const stored = await api.messages(convId);
  for (const text of texts) {
    const copies = stored.filter((m) => m.text === text);
    assert.equal(copies.length, 1, `the server has ${JSON.stringify(text)} ${copies.length} times in ${convId}, expected once`);
    if (direction) assert.equal(copies[0].direction, direction, `${JSON.stringify(text)} has direction ${copies[0].direction}`);
  }
  const seqs = stored.map((m) => m.seq);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'stored seqs are not unique and ascending');
  return stored;
}

// ---------------------------------------------------------------------------------------
// Accessibility: axe-core, injected through the DevTools protocol (so page CSPs do not
// block it), run over the whole document including open shadow roots.

export async function axeViolations(page, context = undefined) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async (ctx) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(ctx || document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, impact: n.impact, summary: n.failureSummary })),
    }));
  }, context);
  return results;
}

export function seriousOnly(violations) {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The deepest focused element, through shadow roots: `{tag, id, cls, label}`. */
export function deepFocus(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a ? { tag: a.tagName.toLowerCase(), id: a.id, cls: a.className && String(a.className), label: a.getAttribute('aria-label') || a.textContent.trim().slice(0, 40) } : null;
  });
}

export function uid() {
  return Math.random().toString(36).slice(2, 8);
}
