// Never lose a lead: a visitor who left before the answer came gets it by email, once, and
// the email's link opens the whole conversation as a page of its own (the release binary
// with a real SMTP server, aiosmtpd, on loopback).
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, NatterServer, PushService, SmtpServer, freePort, launchBrowser, startHostSite } from './lib/env.mjs';
import {
  StaffApi, W, assertStoredOnce, openPage, openWidget, scenario, sendMessage, signInInbox, startChat, uid, until,
  waitForWidgetMessage, widgetMessages,
} from './lib/helpers.mjs';

const RUN = uid();
const T = { timeout: 120_000 };

let server;
let smtp;
let pushService;
let browser;
let dbDir;
let api;
let host;
let hostUrl;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  smtp = await new SmtpServer().start();
  pushService = await new PushService().start();
  dbDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-leads-'));
  const port = await freePort();
  server = new NatterServer({
    port,
    dbDir,
    logName: 'server-leads.log',
    extraArgs: [
      '--smtp-url', `smtp://127.0.0.1:${smtp.port}`,
      '--mail-from', 'Demo Shop <shop@shop.example>',
      '--public-url', `http://127.0.0.1:${port}`,
      '--email-delay-secs', '1',
      '--staff-alert-secs', '3600',
      // The push service and the webhook receiver of this suite are on loopback, over http.
      '--push-allow-http',
      '--webhook-allow-http',
    ],
  });
  await server.start();
  api = new StaffApi(server.url);
  const hostPort = await freePort();
  host = await startHostSite({ port: hostPort, serverUrl: server.url, proxyUrl: server.url });
  hostUrl = `http://localhost:${hostPort}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  host?.closeAllConnections();
  host?.close();
  await server?.kill();
  smtp?.stop();
  pushService?.stop();
  if (dbDir && !process.env.E2E_KEEP_DB) rmSync(dbDir, { recursive: true, force: true });
});

/** A lead as the widget makes it, with the visitor's email. */
async function lead(name, email, message) {
  const res = await fetch(`${server.url}/api/v1/widget/demo/demo/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, email, message }),
  });
  assert.equal(res.status, 201);
  return res.json();
}

describe('A lead answered while the visitor was away', { concurrency: 1 }, () => {
  test('1. unseen replies are emailed once; the link opens the whole conversation as a page, once', T, scenario('leads-01-email-link', async (s) => {
    const email = `vera-${RUN}@mail.example`;
    const conv = await lead('Vera', email, 'Do you deliver on Sundays?');
    await api.reply(conv.conv_id, 'Yes, on Sundays too.');
    await api.reply(conv.conv_id, 'Order before noon.');
    const mail = await until(() => smtp.messages().find((m) => m.includes(`To: ${email}`)), 'the email to the visitor', 15_000);
    assert.match(mail, /Yes, on Sundays too\./);
    assert.match(mail, /Order before noon\./);
    const link = mail.match(/http:\/\/127\.0\.0\.1:\d+\/c\/nl_[A-Za-z0-9_-]+/)?.[0];
    assert.ok(link, `a chat link in:\n${mail}`);

    // The visitor's phone, a browser that never saw the chat.
    const phone = await s.context(browser, { viewport: { width: 375, height: 740 }, colorScheme: 'dark' });
    const page = await openPage(phone, 'visitor phone');
    await page.goto(link);
    await waitForWidgetMessage(page, 'Order before noon.', { side: 'theirs' });
    assert.deepEqual((await widgetMessages(page)).map((m) => m.text),
      ['Do you deliver on Sundays?', 'Yes, on Sundays too.', 'Order before noon.']);
    assert.equal(new URL(page.url()).pathname, '/chat/demo/demo', 'the spent code leaves the address bar');
    assert.equal(await page.locator(W.launcher).isVisible(), false, 'the page is the chat: no launcher');
    await page.screenshot({ path: path.join(ARTIFACTS, 'leads-chat-page-phone-dark.png') });

    // The visitor answers from the page; Escape does not leave an empty page.
    await sendMessage(page, 'Great, thanks!');
    await waitForWidgetMessage(page, 'Great, thanks!');
    await assertStoredOnce(api, conv.conv_id, ['Great, thanks!'], 'in');
    await page.locator(W.composer).press('Escape');
    await until(() => page.locator(W.panel).isVisible(), 'the chat stays open after Escape');

    // A reload, and the link opened again in this browser: the same conversation.
    await page.reload();
    await waitForWidgetMessage(page, 'Great, thanks!');
    await page.goto(link);
    await waitForWidgetMessage(page, 'Great, thanks!');

    // The link in another browser: it worked once, and the page says so.
    const desktop = await s.context(browser);
    const other = await openPage(desktop, 'another browser');
    await other.goto(link);
    await other.getByRole('alert').waitFor();
    assert.match(await other.locator('#why').textContent(), /already been used/);
    await other.screenshot({ path: path.join(ARTIFACTS, 'leads-link-used-desktop.png') });
    const emails = smtp.messages().filter((m) => m.includes(`To: ${email}`));
    assert.equal(emails.length, 1, 'one email for both replies; the replies seen on the page send none');
  }));
});

describe('When nobody can answer', { concurrency: 1 }, () => {
  test('2. the Available/Away button changes an open widget live; outside business hours the widget asks for an email', T, scenario('leads-02-away', async (s) => {
    const staff = await openPage(await s.context(browser), 'staff inbox');
    await signInInbox(staff, server.url);
    const available = staff.locator('button.presence');
    await until(async () => (await available.textContent()).includes('Available'), 'the inbox says available');

    const visitor = await openPage(await s.context(browser, { viewport: { width: 375, height: 740 }, colorScheme: 'dark' }), 'visitor');
    await openWidget(visitor, hostUrl);
    const away = visitor.locator('natter-chat .n-away');
    await until(async () => !(await away.isVisible()), 'no away note while staff are available');

    // The staff member steps away: the widget says so at once, without a reload.
    await available.click();
    await until(async () => (await available.textContent()).includes('Away'), 'the inbox says away');
    await away.waitFor({ state: 'visible', timeout: 5_000 });
    assert.match(await away.textContent(), /leave your email/i);
    await available.click();
    await away.waitFor({ state: 'hidden', timeout: 5_000 });

    // The owner sets business hours with no open day: closed now, though staff are online.
    await staff.goto(`${server.url}/inbox/settings/websites`);
    const hours = staff.locator('form.hours');
    await hours.getByLabel('During business hours').check();
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
      await hours.getByRole('checkbox', { name: day }).uncheck();
    }
    await hours.getByRole('button', { name: 'Save hours' }).click();
    await hours.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

    await openWidget(visitor, hostUrl);
    await away.waitFor({ state: 'visible', timeout: 10_000 });
    await visitor.screenshot({ path: path.join(ARTIFACTS, 'leads-away-phone-dark.png') });
    // No email, no conversation: the form says why, on the email field.
    await visitor.locator(W.name).fill('Nora');
    await visitor.locator(W.start).click();
    await until(async () => (await visitor.locator(W.email).getAttribute('aria-invalid')) === 'true', 'the email is required');
    assert.equal(await visitor.locator(W.composer).count(), 0);
    await startChat(visitor, { name: 'Nora', email: `nora-${RUN}@mail.example`, first: 'Are you open tomorrow?' });
    await waitForWidgetMessage(visitor, 'Are you open tomorrow?');
    const list = await api.call('GET', '/conversations?limit=50');
    const mine = list.conversations.find((c) => c.visitor.email === `nora-${RUN}@mail.example`);
    assert.ok(mine, 'the conversation is in the inbox');
    await api.call('PATCH', '/accounts/demo', { business_hours: { type: 'always' } });
  }));

  test('3. notifications turned on in the inbox reach the browser, encrypted, while the inbox is closed', T, scenario('leads-03-push', async (s) => {
    // Headless Chromium has no push service to reach: the page's PushManager hands out
    // a subscription to this suite's push service instead, with keys only the test holds.
    const browserKeys = pushService.subscription(`/push/${RUN}`);
    const context = await s.context(browser);
    await context.grantPermissions(['notifications'], { origin: server.url });
    await context.addInitScript((json) => {
      const KEY = 'e2e-push-subscription';
      const decode = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer;
      const make = (serverKey) => {
        const sub = Object.create(PushSubscription.prototype);
        Object.defineProperty(sub, 'endpoint', { value: json.endpoint });
        Object.defineProperty(sub, 'options', { value: { applicationServerKey: decode(serverKey), userVisibleOnly: true } });
        sub.toJSON = () => json;
        sub.unsubscribe = async () => { localStorage.removeItem(KEY); return true; };
        return sub;
      };
      PushManager.prototype.subscribe = async function (options) {
        localStorage.setItem(KEY, options.applicationServerKey);
        return make(options.applicationServerKey);
      };
      PushManager.prototype.getSubscription = async function () {
        const key = localStorage.getItem(KEY);
        return key ? make(key) : null;
      };
    }, browserKeys.json);

    const staff = await openPage(context, 'staff inbox');
    await signInInbox(staff, server.url);
    await staff.goto(`${server.url}/inbox/settings/profile`);
    await staff.getByRole('button', { name: 'Turn on in this browser' }).click();
    await staff.getByText('Notifications are on in this browser.').waitFor();
    await staff.getByRole('button', { name: 'Turn off in this browser' }).waitFor();
    await staff.screenshot({ path: path.join(ARTIFACTS, 'leads-push-profile.png'), fullPage: true });

    // The inbox's service worker turns a push into a notification, one per conversation.
    const cdp = await context.newCDPSession(staff);
    const registered = new Promise((resolve) => cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${server.url}/inbox/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    }));
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registered;
    const shown = () => staff.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration('/inbox/');
      return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
    });
    for (const preview of ['Hello?', 'Anyone there?']) {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.url,
        registrationId,
        data: JSON.stringify({ conv_id: 'c-e2e', visitor: 'Quynh', preview, new_conversation: true }),
      });
    }
    const notifications = await until(async () => {
      const now = await shown();
      return now.length && now[0].body === 'Anyone there?' ? now : null;
    }, 'the notification', 10_000);
    assert.deepEqual(notifications, [{ title: 'New chat from Quynh', body: 'Anyone there?', tag: 'c-e2e' }]);

    // The inbox is closed: nobody is looking, so a new chat is pushed.
    await staff.close();
    await until(async () => !(await (await fetch(`${server.url}/api/v1/widget/demo/demo/config`)).json()).staff_online,
      'the team to be offline');
    const visitor = await openPage(await s.context(browser), 'visitor');
    await openWidget(visitor, hostUrl);
    await startChat(visitor, { name: 'Pia', email: `pia-${RUN}@mail.example`, first: 'Can I return it after 30 days?' });
    await waitForWidgetMessage(visitor, 'Can I return it after 30 days?');
    const push = await until(() => pushService.received.find((p) => p.path === `/push/${RUN}`), 'the push', 15_000);
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    assert.match(push.headers.authorization, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/);
    const notice = PushService.decrypt(push.body, browserKeys);
    assert.equal(notice.visitor, 'Pia');
    assert.equal(notice.preview, 'Can I return it after 30 days?');
    assert.equal(notice.new_conversation, true);
    const list = await api.call('GET', '/conversations?limit=50');
    assert.ok(list.conversations.some((c) => c.conv_id === notice.conv_id), 'the pushed conversation is in the inbox');

    // Signing out stops this browser hearing about the member's chats.
    const again = await openPage(context, 'staff inbox again');
    await again.goto(`${server.url}/inbox/`);
    await again.locator('.topbar').waitFor();
    const forgotten = again.waitForRequest((r) => r.method() === 'DELETE' && r.url().endsWith('/api/v1/push/subscriptions'));
    await again.getByRole('button', { name: 'Sign out' }).click();
    assert.equal(JSON.parse((await forgotten).postData()).endpoint, browserKeys.json.endpoint);
  }));
});

/** A webhook receiver on loopback: it keeps every request with its headers and raw body. */
async function startReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('thanks');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/natter`, received, close: () => server.close() };
}

/** docs/WEBHOOKS.md's check: v1= and the hex HMAC-SHA256 of "{id}.{timestamp}.{body}". */
function signedWith(secret, { headers, body }) {
  const id = headers['natter-webhook-id'];
  const timestamp = headers['natter-webhook-timestamp'];
  const expected = `v1=${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('hex')}`;
  return headers['natter-webhook-signature'] === expected;
}

describe('Integrations (issue 20)', { concurrency: 1 }, () => {
  test('4. an admin adds a webhook endpoint in the inbox, sends a test event and sees it delivered; an API token made there answers under its name', T, scenario('leads-04-integrations', async (s) => {
    const receiver = await startReceiver();
    try {
      const context = await s.context(browser);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      const staff = await openPage(context, 'staff inbox');
      await signInInbox(staff, server.url);
      await staff.getByRole('button', { name: 'Settings' }).click();
      await staff.getByRole('link', { name: 'Integrations' }).click();
      await staff.waitForURL(`${server.url}/inbox/settings/integrations`);
      await staff.getByText('No endpoints yet.').waitFor();

      // Add an endpoint for new conversations and messages; its secret shows once.
      await staff.getByLabel('Endpoint URL').fill(receiver.url);
      await staff.getByLabel('conversation.updated').check();
      await staff.getByRole('button', { name: 'Add endpoint' }).click();
      const endpoint = staff.locator('.endpoint', { hasText: receiver.url });
      await endpoint.waitFor();
      const secret = (await endpoint.locator('.shown-once code').textContent()).trim();
      assert.match(secret, /^whsec_[\w-]{40,}$/);
      assert.match(await endpoint.textContent(), /conversation\.created, conversation\.updated, message\.created/);

      // "Send test event": delivered, signed with that secret, and in the log.
      await endpoint.getByRole('button', { name: 'Send test event' }).click();
      const test = await until(() => receiver.received.find((r) => JSON.parse(r.body).type === 'webhook.test'), 'the test event', 15_000);
      assert.ok(signedWith(secret, test), 'the test event is signed with the secret shown');
      // The log, opened by the test event, follows it from "Queued" to "Delivered" by itself.
      const row = endpoint.locator('table.deliveries tr', { hasText: 'webhook.test' });
      await until(async () => /Delivered/.test(await row.textContent({ timeout: 1_000 }).catch(() => '')),
        'the delivered test event in the log', 15_000);
      assert.match(await row.textContent(), /200 in \d+ ms/);
      assert.match(await row.textContent(), /thanks/);
      await staff.screenshot({ path: path.join(ARTIFACTS, 'leads-integrations-webhook.png'), fullPage: true });

      // A visitor writes: the endpoint hears it, signed.
      const lead = await fetch(`${server.url}/api/v1/widget/demo/demo/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Rosa', email: `rosa-${RUN}@mail.example`, message: `Hooked ${RUN}` }),
      }).then((r) => r.json());
      const message = await until(() => receiver.received.find((r) => r.body.includes(`Hooked ${RUN}`)), 'message.created', 15_000);
      assert.ok(signedWith(secret, message));
      assert.equal(JSON.parse(message.body).data.conv_id, lead.conv_id);

      // An API token, shown once, replies under its name.
      await staff.getByLabel('Name', { exact: true }).fill('Order bot');
      await staff.getByRole('button', { name: 'Make token' }).click();
      const token = (await staff.locator('.shown-once', { hasText: 'New API token' }).locator('code').textContent()).trim();
      assert.match(token, /^nk_[\w-]{40,}$/);
      await staff.getByRole('list', { name: 'API tokens' }).getByText('Order bot').waitFor();
      const res = await fetch(`${server.url}/api/v1/conversations/${lead.conv_id}/replies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ text: `Your order ships today ${RUN}`, client_msg_id: `bot-${RUN}` }),
      });
      assert.equal(res.status, 201);
      assert.equal((await res.json()).message.sender.name, 'Order bot');
      const reply = await until(() => receiver.received.find((r) => r.body.includes(`Your order ships today ${RUN}`)), 'the token\'s reply as an event', 15_000);
      assert.equal(JSON.parse(reply.body).data.message.sender.name, 'Order bot');
      await staff.screenshot({ path: path.join(ARTIFACTS, 'leads-integrations-token.png'), fullPage: true });
    } finally {
      receiver.close();
    }
  }));
});
