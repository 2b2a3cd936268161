import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [name, opts, grant] of [['phone-dark', { viewport: { width: 375, height: 800 }, colorScheme: 'dark' }, false], ['desktop-blocked', { viewport: { width: 1280, height: 900 } }, 'deny']]) {
  const ctx = await browser.newContext(opts);
  const page = await ctx.newPage();
  if (grant === 'deny') await page.addInitScript(() => { Object.defineProperty(Notification, 'permission', { get: () => 'denied' }); });
  await page.goto('http://127.0.0.1:18932/inbox/');
  await page.fill('input[type=email]', 'demo@example.com');
  await page.fill('input[type=password]', 'demo');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.topbar');
  await page.screenshot({ path: `/tmp/top-${name}.png` });
  await page.goto('http://127.0.0.1:18932/inbox/settings/profile');
  await page.getByText('Notifications in this browser').waitFor();
  await page.waitForTimeout(500);
  await page.getByText('Notifications in this browser').scrollIntoViewIfNeeded();
  // keyboard: tab to the button
  await page.screenshot({ path: `/tmp/prof-${name}.png`, fullPage: false });
  await ctx.close();
}
await browser.close();
