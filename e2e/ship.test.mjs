// A new owner's install, in a real browser: the release binary copied alone into an empty
// directory, started on an empty database without --demo. It serves its own widget and inbox
// (compressed, cached by content hash), logs a one-time setup URL, and the owner goes from
// that URL to a widget answering on their website. A page on an origin the website does not
// allow shows no chat, retries nothing, says why once in the console, and the owner allows
// it from the inbox in one click.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, NatterServer, freePort, launchBrowser } from './lib/env.mjs';
import {
  W, axeViolations, newContext, openPage, openWidget, scenario, seriousOnly, sendMessage, startChat, uid, waitForInboxMessage, waitForWidgetMessage,
  until, widgetMessages,
} from './lib/helpers.mjs';

const RUN = uid();
const T = { timeout: 120_000 };

let server;
let browser;
let dbDir;
const hosts = [];
/** The customer's website: the origin given during setup. */
let siteUrl;
/** Another website of the same customer, not yet allowed. */
let otherUrl;
/** The snippet setup printed; the host pages serve it once known. */
let snippet = '';
/** A second website the owner adds in the inbox: its address, snippet and identity secret. */
let cafeUrl;
let cafeSnippet = '';
let cafeSecret = '';
/** What setup created, and the owner's browser (signed in by setup). */
const owner = { context: null, page: null, token: null, orgId: null, accountId: null };

/** A plain page on `host:port` whose only Natter content is the snippet. */
function hostSite(host, port) {
  const srv = http.createServer((req, res) => {
    // `/typo`: the snippet pasted with a mistyped website id.
    const embed = req.url === '/typo' ? snippet.replace(/data-account="[^"]*"/, 'data-account="bakery-typo"') : snippet;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Fixture Bakery</title></head><body><h1>Fixture Bakery</h1><p>Fresh bread daily.</p>${embed}</body></html>`);
  });
  hosts.push(srv);
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, resolve);
  });
}

/** The cafe's site. `/user/<id>` is a page of a signed-in user: the site's server signs the
 * id with the identity secret, as a real site would (`?bad=1`: a wrong hash). */
function cafeSite(port) {
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://cafe');
    const user = url.pathname.match(/^\/user\/([\w-]+)$/)?.[1];
    let identify = '';
    if (user) {
      const hash = url.searchParams.has('bad')
        ? crypto.createHmac('sha256', 'not the secret').update(user).digest('hex')
        : crypto.createHmac('sha256', cafeSecret).update(user).digest('hex');
      const args = JSON.stringify({ id: user, name: `Pat ${user}`, user_hash: hash });
      identify = `<script>addEventListener('load', function () { Natter.setUser(${args}); });</script>`;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Bakery Cafe</title></head><body><h1>Bakery Cafe</h1>${cafeSnippet}${identify}</body></html>`);
  });
  hosts.push(srv);
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.3', resolve);
  });
}

/** A raw GET (no automatic decompression): status, headers and the bytes as sent. */
function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

async function api(method, pathname, body, token) {
  const res = await fetch(`${server.url}/api/v1${pathname}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dbDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-install-'));
  server = new NatterServer({ port: await freePort(), dbDir, demo: false, logName: 'server-install.log' });
  await server.start();
  const [sitePort, otherPort] = [await freePort(), await freePort()];
  siteUrl = `http://localhost:${sitePort}`;
  // 127.0.0.2 is loopback too, but a different origin from anything allowed.
  otherUrl = `http://127.0.0.2:${otherPort}`;
  await hostSite('127.0.0.1', sitePort);
  await hostSite('127.0.0.2', otherPort);
  const cafePort = await freePort();
  cafeUrl = `http://127.0.0.3:${cafePort}`;
  await cafeSite(cafePort);
  browser = await launchBrowser();
});

after(async () => {
  await owner.context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  for (const h of hosts) { h.closeAllConnections(); h.close(); }
  await server?.kill();
  if (dbDir && !process.env.E2E_KEEP_DB) rmSync(dbDir, { recursive: true, force: true });
});

describe('A new install, from the binary alone', { concurrency: 1 }, () => {
  test('1. the binary serves its own widget and inbox: compressed, hashed names cached for a year', T, async () => {
    const loader = await rawGet(`${server.url}/embed.js`, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(loader.status, 200);
    assert.equal(loader.headers['content-encoding'], 'br');
    assert.equal(loader.headers['cache-control'], 'public, max-age=300', 'the stable URL is short-cached');
    assert.match(loader.headers.vary ?? '', /accept-encoding/i);
    assert.match(loader.headers['content-type'], /javascript/);
    const text = zlib.brotliDecompressSync(loader.body).toString();
    const app = text.match(/\/widget\/natter-widget\.[0-9a-f]{16}\.js/)?.[0];
    const wasm = text.match(/\/widget\/natter-widget_bg\.[0-9a-f]{16}\.wasm/)?.[0];
    const css = text.match(/\/widget\/widget\.[0-9a-f]{16}\.css/)?.[0];
    assert.ok(app && wasm && css, `the loader imports content-hashed names: ${[app, wasm, css]}`);

    const wasmBr = await rawGet(`${server.url}${wasm}`, { 'accept-encoding': 'br' });
    assert.equal(wasmBr.status, 200);
    assert.equal(wasmBr.headers['content-type'], 'application/wasm', 'streaming instantiation needs it');
    assert.equal(wasmBr.headers['content-encoding'], 'br');
    assert.equal(wasmBr.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(wasmBr.headers['access-control-allow-origin'], '*', 'customers\' pages import it');
    const wasmGzip = await rawGet(`${server.url}${wasm}`, { 'accept-encoding': 'gzip' });
    assert.equal(wasmGzip.headers['content-encoding'], 'gzip');
    const wasmPlain = await rawGet(`${server.url}${wasm}`);
    assert.equal(wasmPlain.headers['content-encoding'], undefined);
    assert.ok(wasmBr.body.length < wasmPlain.body.length / 2, `brotli ${wasmBr.body.length} B vs ${wasmPlain.body.length} B`);
    assert.deepEqual(zlib.brotliDecompressSync(wasmBr.body), wasmPlain.body);

    const inbox = await rawGet(`${server.url}/inbox/`, { 'accept-encoding': 'br' });
    assert.equal(inbox.status, 200);
    assert.equal(inbox.headers['cache-control'], 'no-cache');
    assert.ok(inbox.headers.etag);
    const again = await rawGet(`${server.url}/inbox/`, { 'if-none-match': inbox.headers.etag });
    assert.equal(again.status, 304);
    const deepLink = await rawGet(`${server.url}/inbox/conversations/abc`);
    assert.equal(deepLink.status, 200, 'the inbox is a single-page app');
    const missing = await rawGet(`${server.url}/widget/nope.js`);
    assert.equal(missing.status, 404);
  });

  test('2. first run: from the setup URL in the log to a widget answering on the owner\'s site', T, scenario('ship-02-first-run', async (s) => {
    const setupUrl = await server.setupUrl();
    // The owner's browser outlives this scenario: scenario 3 continues in it.
    owner.context = await newContext(browser);
    const page = s.own(await openPage(owner.context, 'owner-setup'));
    await page.goto(setupUrl);
    assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
    assert.deepEqual(seriousOnly(await axeViolations(page)), [], 'the setup page passes axe');
    await page.getByLabel('Organization name').fill('Fixture Bakery');
    await page.getByLabel('Your name').fill('Olive Owner');
    await page.getByLabel('Email').fill(`olive.${RUN}@bakery.example`);
    await page.getByLabel(/^Password/).fill('rye-and-wheat');
    await page.getByLabel('Website name').fill('Bakery Site');
    // A mistake first: the field says what is wrong and gets the focus.
    await page.getByLabel(/^Website address/).fill(`${siteUrl}/shop`);
    await page.getByRole('button', { name: 'Create and open the inbox' }).click();
    await page.locator('#origin-error').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'origin');
    await page.getByLabel(/^Website address/).fill(siteUrl);
    await page.getByRole('button', { name: 'Create and open the inbox' }).click();
    await page.locator('#done').waitFor({ state: 'visible' });
    snippet = await page.locator('#snippet').textContent();
    assert.match(snippet, /^<script src="http:\/\/127\.0\.0\.1:\d+\/embed\.js" data-org="fixture-bakery" data-account="bakery-site" async><\/script>$/);

    // The token is spent: a second use is refused, and the page is gone.
    const token = new URL(setupUrl).searchParams.get('token');
    const second = await api('POST', '/setup', {
      token, organization: 'Other', name: 'Mallory', email: 'm@example.com', password: 'password123',
      website: { name: 'x', origin: 'https://x.example' },
    });
    assert.equal(second.status, 409);
    assert.equal(second.json.error.code, 'already_set_up');
    assert.equal((await fetch(setupUrl)).status, 404);

    // "Open the inbox": signed in already.
    await page.getByRole('link', { name: 'Open the inbox' }).click();
    await page.locator('.topbar').waitFor();
    assert.match(await page.locator('.me').textContent(), /Olive Owner/);
    const session = await page.evaluate(() => JSON.parse(localStorage.getItem('natter.inbox.session')));
    Object.assign(owner, { page, token: session.token, orgId: session.staff.org_id, accountId: 'bakery-site' });
    assert.equal(session.staff.role, 'owner');

    // A visitor on the owner's site chats; the owner answers from the inbox.
    const visitorContext = await s.context(browser);
    const visitor = s.own(await openPage(visitorContext, 'visitor-bakery'));
    await visitor.goto(siteUrl);
    await visitor.locator(W.launcher).click();
    await visitor.locator(W.panel).waitFor({ state: 'visible', timeout: 20_000 });
    const first = `Do you have rye bread today? ${RUN}`;
    await startChat(visitor, { name: `Vera ${RUN}`, first });
    await waitForWidgetMessage(visitor, first);
    await page.locator('li.row button', { hasText: `Vera ${RUN}` }).click({ timeout: 15_000 });
    await waitForInboxMessage(page, first, { dir: 'in' });
    const reply = `Yes, fresh from the oven ${RUN}`;
    await page.locator('#reply').fill(reply);
    await page.locator('#reply').press('Enter');
    await waitForWidgetMessage(visitor, reply, { state: null, side: 'theirs' });
    const more = `Great, I will come by ${RUN}`;
    await sendMessage(visitor, more);
    await waitForInboxMessage(page, more, { dir: 'in' });

    // A reload keeps the conversation, each message once.
    await visitor.reload();
    await visitor.locator(W.launcher).click();
    await waitForWidgetMessage(visitor, reply, { state: null, side: 'theirs', timeout: 20_000 });
    const shown = (await widgetMessages(visitor)).map((m) => m.text);
    assert.deepEqual(shown.filter((t) => [first, reply, more].includes(t)), [first, reply, more]);
    await visitorContext.close();
  }));

  test('3. a page on a refused origin: no launcher, one console error, no reconnect loop; the owner allows it in one click', T, scenario('ship-03-refused-origin', async (s) => {
    assert.ok(owner.page, 'scenario 2 signed the owner in');
    const context = await s.context(browser);
    const page = s.own(await openPage(context, 'visitor-refused'));
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error' && m.text().includes('[natter]')) errors.push(m.text()); });
    const refusal = page.waitForEvent('console', { predicate: (m) => m.text().includes('[natter]'), timeout: 30_000 });
    await page.goto(otherUrl);
    const message = (await refusal).text();
    assert.ok(message.includes(otherUrl), `the error names the origin: ${message}`);
    assert.ok(message.includes('bakery-site') && message.includes('fixture-bakery'), `and the website: ${message}`);
    assert.ok(message.includes('Websites'), `and where to allow it: ${message}`);
    assert.equal(await page.locator(W.launcher).isVisible(), false, 'visitors see no launcher');
    // Time for a reconnect loop to show itself (the first retry comes within ~1 s).
    await page.waitForTimeout(3_000);
    assert.ok(sockets.length <= 1, `socket attempts: ${sockets.length}`);
    assert.equal(errors.length, 1, `console errors: ${errors.join(' | ')}`);

    const account = await api('GET', `/accounts/${owner.accountId}`, null, owner.token);
    assert.equal(account.status, 200);
    const refused = account.json.refused_origins.find((r) => r.origin === otherUrl);
    assert.ok(refused && refused.count >= 1, `refused_origins: ${JSON.stringify(account.json.refused_origins)}`);

    // The owner sees it in the inbox and allows it; the page then shows the chat.
    const inbox = owner.page;
    await inbox.getByRole('button', { name: /^Settings/ }).click();
    await inbox.getByRole('button', { name: `Allow ${otherUrl}` }).waitFor();
    assert.deepEqual(seriousOnly(await axeViolations(inbox)), [], 'the websites page passes axe');
    await inbox.getByRole('button', { name: `Allow ${otherUrl}` }).click();
    await inbox.locator('.origins:not(.refused) code', { hasText: otherUrl }).waitFor();
    assert.equal(await inbox.getByRole('button', { name: `Allow ${otherUrl}` }).count(), 0);
    await page.reload();
    await page.locator(W.launcher).click({ timeout: 20_000 });
    await page.locator(W.panel).waitFor({ state: 'visible', timeout: 20_000 });
  }));

  test('4. a snippet with a mistyped website id: no launcher, one console error saying so, no reconnect loop', T, scenario('ship-04-typo', async (s) => {
    assert.ok(snippet, 'scenario 2 made the snippet');
    const context = await s.context(browser);
    const page = s.own(await openPage(context, 'visitor-typo'));
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const said = page.waitForEvent('console', { predicate: (m) => m.text().includes('[natter]'), timeout: 30_000 });
    await page.goto(`${siteUrl}/typo`);
    const message = (await said).text();
    assert.match(message, /no website "bakery-typo" in organization "fixture-bakery"/);
    assert.equal(await page.locator(W.launcher).isVisible(), false);
    await page.waitForTimeout(3_000);
    assert.ok(sockets.length <= 1, `socket attempts: ${sockets.length}`);
  }));

  test('5. an invited agent joins from the link in another browser, answers, and is signed out at once when removed', T, scenario('ship-05-invitation', async (s) => {
    assert.ok(owner.token, 'scenario 2 signed the owner in');
    const invited = await api('POST', '/invitations', { email: `agent-${RUN}@bakery.example`, role: 'agent' }, owner.token);
    assert.equal(invited.status, 201, JSON.stringify(invited.json));
    assert.match(invited.json.invitation_url, /\/inbox\/#\/invite\/ni_/);

    const context = await s.context(browser);
    const page = s.own(await openPage(context, 'invited-agent'));
    await page.goto(invited.json.invitation_url);
    await page.getByLabel('Your name').fill('Ines Agent');
    await page.getByLabel(/^Password/).fill('ines-password');
    await page.getByRole('button', { name: 'Join and sign in' }).click();
    await page.locator('.shell').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByRole('button', { name: /^Settings/ }).count(), 0, 'an agent sees no settings');
    // Only their own profile, even at the settings' address.
    await page.getByRole('button', { name: 'My profile' }).click();
    await page.getByRole('heading', { name: 'My profile' }).waitFor();
    await page.goto(`${server.url}/inbox/settings/websites`);
    await page.getByRole('heading', { name: 'My profile' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Websites' }).count(), 0, 'no websites tab for an agent');
    assert.equal(await page.getByRole('link', { name: 'Team' }).count(), 0, 'no team tab for an agent');
    await page.getByRole('link', { name: 'Back to conversations' }).click();
    await page.locator('.panes').waitFor();
    const team = await api('GET', '/staff', null, owner.token);
    const agent = team.json.staff.find((m) => m.name === 'Ines Agent');
    assert.equal(agent?.role, 'agent', JSON.stringify(team.json));

    // The same link a second time opens nothing.
    const again = s.own(await openPage(await s.context(browser), 'link-again'));
    await again.goto(invited.json.invitation_url);
    await again.getByLabel('Your name').fill('Someone Else');
    await again.getByLabel(/^Password/).fill('someone-password');
    await again.getByRole('button', { name: 'Join and sign in' }).click();
    await again.getByRole('alert').filter({ hasText: 'already used' }).waitFor();

    // Removed by the owner: the open inbox returns to sign-in at once, without a reload.
    const removed = await api('DELETE', `/staff/${agent.id}`, null, owner.token);
    assert.equal(removed.status, 204);
    await page.getByLabel('Email').waitFor({ timeout: 10_000 });
    await page.getByRole('status').filter({ hasText: 'sign in again' }).waitFor();
  }));

  test('6. the owner adds a website in the inbox, allows its origin, sets colour and greeting; the copied snippet shows them there', T, scenario('ship-06-settings', async (s) => {
    assert.ok(owner.page, 'scenario 2 signed the owner in');
    const inbox = owner.page;
    await owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await inbox.getByRole('button', { name: /^Settings/ }).click();
    await inbox.getByRole('heading', { name: 'Websites', level: 2 }).waitFor();
    assert.equal(new URL(inbox.url()).pathname, '/inbox/settings/websites');

    const add = inbox.locator('form.add-website');
    await add.getByLabel('Name', { exact: true }).fill('Bakery Cafe');
    await add.getByLabel(/origin/).fill('https://cafe.example');
    await add.getByRole('button', { name: 'Add website' }).click();
    const card = inbox.locator('article.website', { has: inbox.getByRole('heading', { name: 'Bakery Cafe' }) });
    await card.waitFor();

    // An address that is not an origin is refused with a reason; the cafe's own is allowed.
    const another = card.getByLabel('Allow another origin');
    await another.fill(`${cafeUrl}/menu`);
    await card.getByRole('button', { name: 'Add', exact: true }).click();
    await card.getByRole('alert').filter({ hasText: 'origin' }).waitFor();
    await another.fill(cafeUrl);
    await card.getByRole('button', { name: 'Add', exact: true }).click();
    await card.locator('.origins code', { hasText: cafeUrl }).waitFor();

    const greeting = `Welcome to the cafe ${RUN}`;
    await card.getByLabel('Colour as #rrggbb').fill('#be123c');
    await card.getByLabel('Greeting').fill(greeting);
    await card.getByRole('button', { name: 'Save changes' }).click();
    await card.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal(await card.locator('.preview-head').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(190, 18, 60)', 'the preview wears the colour');
    assert.deepEqual(seriousOnly(await axeViolations(inbox)), [], 'the settings page passes axe');
    for (const [tab, heading] of [['Team', 'Team'], ['My profile', 'My profile']]) {
      await inbox.getByRole('link', { name: tab, exact: true }).click();
      await inbox.getByRole('heading', { name: heading, level: 2 }).waitFor();
      assert.deepEqual(seriousOnly(await axeViolations(inbox)), [], `the ${tab} page passes axe`);
    }
    // The browser's back button returns to the websites, at their address.
    await inbox.goBack();
    await inbox.goBack();
    await card.waitFor();
    assert.equal(new URL(inbox.url()).pathname, '/inbox/settings/websites');

    await card.getByRole('button', { name: 'Copy snippet' }).click();
    cafeSnippet = await inbox.evaluate(() => navigator.clipboard.readText());
    assert.match(cafeSnippet, /data-account="bakery-cafe"/);
    assert.match(cafeSnippet, /data-color="#be123c"/);

    const visitor = s.own(await openPage(await s.context(browser), 'visitor-cafe'));
    await visitor.goto(cafeUrl);
    assert.equal(await visitor.locator(W.launcher).evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(190, 18, 60)');
    await visitor.locator(W.launcher).click();
    await visitor.locator(W.panel).waitFor({ state: 'visible', timeout: 20_000 });
    await visitor.locator('natter-chat .n-lead', { hasText: greeting }).waitFor();
    assert.equal(await visitor.locator('natter-chat .n-head').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(190, 18, 60)');
  }));

  test('7. a verified visitor has the same conversation in two browsers, live; a wrong hash and the old secret are refused', T, scenario('ship-07-identity', async (s) => {
    assert.ok(cafeSnippet, 'scenario 6 made the cafe');
    const inbox = owner.page;
    // The inbox confirms a new secret with the browser's own dialog.
    inbox.acceptDialogs = true;
    const card = inbox.locator('article.website', { has: inbox.getByRole('heading', { name: 'Bakery Cafe' }) });
    await card.getByRole('button', { name: 'Make a secret' }).click();
    cafeSecret = await card.locator('code.secret').textContent();
    assert.match(cafeSecret, /^nis_/);

    const user = `u-${RUN}`;
    const refusals = (page) => {
      const seen = [];
      page.on('console', (m) => { if (m.type() === 'error' && m.text().includes('Natter.setUser')) seen.push(m.text()); });
      return seen;
    };
    const laptop = s.own(await openPage(await s.context(browser), 'verified-laptop'));
    await openWidget(laptop, `${cafeUrl}/user/${user}`);
    const first = `Is the cafe open on Sunday? ${RUN}`;
    await laptop.locator(W.name).waitFor();
    await until(async () => (await laptop.locator(W.name).inputValue()) === `Pat ${user}`, 'setUser pre-fills the name');
    await laptop.locator(W.first).fill(first);
    await laptop.locator(W.start).click();
    await waitForWidgetMessage(laptop, first);

    // The same user on a phone: the conversation is there.
    const phone = s.own(await openPage(await s.context(browser), 'verified-phone'));
    await openWidget(phone, `${cafeUrl}/user/${user}`);
    await waitForWidgetMessage(phone, first, { state: null, timeout: 20_000 });

    // Staff see the contact as verified and answer once; both browsers get it live.
    await inbox.getByRole('link', { name: 'Back to conversations' }).click();
    await inbox.locator('li.row button', { hasText: `Pat ${user}` }).click({ timeout: 15_000 });
    await inbox.locator('.details .verified').waitFor();
    const reply = `Yes, from nine ${RUN}`;
    await inbox.locator('#reply').fill(reply);
    await inbox.locator('#reply').press('Enter');
    await waitForWidgetMessage(laptop, reply, { state: null, side: 'theirs' });
    await waitForWidgetMessage(phone, reply, { state: null, side: 'theirs' });
    const fromPhone = `See you then ${RUN}`;
    await sendMessage(phone, fromPhone);
    await waitForWidgetMessage(laptop, fromPhone, { state: null });

    // A forged hash: refused with a clear console error; that browser chats anonymously.
    const forged = s.own(await openPage(await s.context(browser), 'forged'));
    const forgedErrors = refusals(forged);
    await openWidget(forged, `${cafeUrl}/user/${user}?bad=1`);
    await until(async () => forgedErrors.length > 0, 'a wrong hash is refused in the console');
    assert.match(forgedErrors[0], /refused/);
    await forged.locator(W.name).waitFor();
    assert.equal((await widgetMessages(forged)).length, 0, 'nothing of the contact is shown');

    // After a rotation, a page still signing with the old secret is refused too.
    await inbox.getByRole('button', { name: /^Settings/ }).click();
    await card.getByRole('button', { name: 'Rotate secret…' }).click();
    await until(async () => (await card.locator('code.secret').textContent()) !== cafeSecret, 'the secret rotates');
    const stale = s.own(await openPage(await s.context(browser), 'stale-secret'));
    const staleErrors = refusals(stale);
    await openWidget(stale, `${cafeUrl}/user/${user}`);
    await until(async () => staleErrors.length > 0, 'a hash made with the old secret is refused');
    assert.equal((await widgetMessages(stale)).length, 0);
  }));
});
