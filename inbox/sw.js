// The inbox's service worker: shows the notifications the server pushes (a new
// conversation, a visitor's message while nobody of the team is looking) and opens
// the conversation when one is clicked. It caches nothing.
'use strict';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let notice = {};
  try {
    notice = event.data ? event.data.json() : {};
  } catch (_) {
    // Not ours to read: still say something (browsers require a notification).
  }
  const visitor = notice.visitor || 'A visitor';
  const title = notice.new_conversation ? `New chat from ${visitor}` : visitor;
  event.waitUntil(
    self.registration.showNotification(title, {
      body: notice.preview || 'Started a conversation.',
      // One notification per conversation: a newer message replaces the older one.
      tag: notice.conv_id || 'natter',
      renotify: true,
      data: { conv_id: notice.conv_id || null },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const conv = event.notification.data && event.notification.data.conv_id;
  const url = new URL(conv ? `./#/c/${encodeURIComponent(conv)}` : './', self.registration.scope).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const inbox = windows.find((w) => w.url.startsWith(self.registration.scope));
      if (inbox) {
        await inbox.focus();
        if ('navigate' in inbox) {
          return inbox.navigate(url);
        }
        return undefined;
      }
      return self.clients.openWindow(url);
    })(),
  );
});
