// Screenshots of the widget and the inbox as a person sees them, to look at after a UI
// change: desktop in light mode and a phone in dark mode, the lead form, a conversation
// with links, right-to-left text and the menu open, the inbox, and the loader's frame on
// a slow network. Not a test: `node e2e/screenshots.mjs` writes target/screenshots/*.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startWorld } from './lib/env.mjs';
import { StaffApi, newContext, openPage, openWidget, startChat, sendMessage, waitForWidgetMessage, widgetStorage, signInInbox, openInboxConversation, sleep } from './lib/helpers.mjs';
const OUT = path.join(ROOT, 'target', 'screenshots');
mkdirSync(OUT, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`) });
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
    await shot(page, `${name}-lead`);
    await startChat(page, { name: 'Lan Pham', first: 'Hi! Is the blue teapot https://shop.example/teapot in stock?' });
    const conv = (await widgetStorage(page)).conv_id;
    await api.reply(conv, 'Hello Lan, yes it is!');
    await api.reply(conv, 'We ship within 2 days. See mailto:help@example.com');
    await sendMessage(page, 'שלום, great, thanks');
    await sleep(800);
    await page.locator('natter-chat .n-more').click();
    await sleep(200);
    await shot(page, `${name}-conversation`);
    const inboxCtx = await newContext(world.browser, opts);
    const inbox = await openPage(inboxCtx, 'inbox-' + name);
    await signInInbox(inbox, world.server.url);
    await openInboxConversation(inbox, conv);
    await sleep(800);
    await shot(inbox, `${name}-inbox`);
    // Slow network: the loading frame.
    const slow = await newContext(world.browser, opts);
    await slow.route(/\.wasm/, async (r) => { await sleep(4000); await r.continue(); });
    const sp = await openPage(slow, 'slow');
    await sp.goto(world.hostUrl);
    await sp.locator('natter-chat .n-launcher').click();
    await sleep(300);
    await shot(sp, `${name}-loading`);
  }
  console.log(`screenshots in ${OUT}`);
} finally {
  await world.stop();
}
