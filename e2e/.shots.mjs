import { startWorld } from './lib/env.mjs';
import { StaffApi, newContext, openPage, openWidget, startChat, sendMessage, waitForWidgetMessage, widgetStorage, signInInbox, openInboxConversation, sleep } from './lib/helpers.mjs';
const world = await startWorld();
const api = new StaffApi(world.server.url);
try {
  const shots = [
    ['desktop-light', { viewport: { width: 1280, height: 800 } }],
    ['phone-dark', { viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true }],
  ];
  for (const [name, opts] of shots) {
    const ctx = await newContext(world.browser, opts);
    const page = await openPage(ctx, name);
    await openWidget(page, world.hostUrl);
    await page.screenshot({ path: `/tmp/shots/${name}-lead.png` });
    await startChat(page, { name: 'Lan Pham', first: 'Hi! Is the blue teapot https://shop.example/teapot in stock?' });
    const conv = (await widgetStorage(page)).conv_id;
    await api.reply(conv, 'Hello Lan, yes it is!');
    await api.reply(conv, 'We ship within 2 days. See mailto:help@example.com');
    await sendMessage(page, 'שלום, great, thanks');
    await sleep(800);
    await page.locator('natter-chat .n-more').click();
    await sleep(200);
    await page.screenshot({ path: `/tmp/shots/${name}-conv.png` });
    const inboxCtx = await newContext(world.browser, opts);
    const inbox = await openPage(inboxCtx, 'inbox-' + name);
    await signInInbox(inbox, world.server.url);
    await openInboxConversation(inbox, conv);
    await sleep(800);
    await inbox.screenshot({ path: `/tmp/shots/${name}-inbox.png` });
    // Slow network: the loading frame.
    const slow = await newContext(world.browser, opts);
    await slow.route(/\.wasm/, async (r) => { await sleep(4000); await r.continue(); });
    const sp = await openPage(slow, 'slow');
    await sp.goto(world.hostUrl);
    await sp.locator('natter-chat .n-launcher').click();
    await sleep(300);
    await sp.screenshot({ path: `/tmp/shots/${name}-loading.png` });
  }
} finally {
  await world.stop();
}
