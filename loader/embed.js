/*! Natter loader: https://github.com/natter — draws the launcher at once, fetches the chat
 * app (WebAssembly) at low priority, and starts it when the browser is idle or the visitor
 * first opens it.
 * <script src="https://CHAT-SERVER/embed.js" data-org="ORG" data-account="ACCOUNT" async></script>
 */
(function () {
  var script = document.currentScript;
  if (!script || window.Natter) return;
  var data = script.dataset;
  var server = new URL(script.src, location.href).origin;
  var locale = data.locale || document.documentElement.lang || navigator.language || '';
  var vi = /^vi\b/i.test(locale);

  // A custom element with a shadow root: host CSS cannot reach in, ours cannot leak out.
  var host = document.createElement('natter-chat');
  host.setAttribute('style', 'all:initial;direction:ltr;unicode-bidi:isolate;position:fixed;z-index:2147483000;right:0;bottom:0;width:0;height:0');
  host.setAttribute('data-org', data.org || '');
  host.setAttribute('data-account', data.account || '');
  host.setAttribute('data-server', server);
  host.setAttribute('data-locale', locale);
  // data-mode="page": the chat is the whole page (the server's /c/ and /chat/ pages), no
  // launcher, never closed.
  var page = data.mode === 'page';
  if (page) host.setAttribute('data-mode', 'page');
  // The account's colour from the first paint: the snippet's data-color, else the colour
  // the app remembered on an earlier visit.
  var theme = data.color;
  try {
    if (!/^#[0-9a-f]{6}$/i.test(theme)) theme = localStorage.getItem('natter:' + data.org + ':' + data.account + ':theme');
  } catch (e) { /* storage disabled */ }
  if (/^#[0-9a-f]{6}$/i.test(theme)) host.style.setProperty('--n-theme', theme);
  // The launcher's side: the snippet's data-position, else the side the app remembered.
  var side = data.position;
  try {
    if (side !== 'left' && side !== 'right') side = localStorage.getItem('natter:' + data.org + ':' + data.account + ':position');
  } catch (e) { /* storage disabled */ }
  if (side === 'left') host.setAttribute('data-position', 'left');
  try {
    // The account's light/dark choice, remembered by the app.
    var look = localStorage.getItem('natter:' + data.org + ':' + data.account + ':look');
    if (look === 'light' || look === 'dark') host.setAttribute('data-theme', look);
  } catch (e) { /* storage disabled */ }

  var root = host.attachShadow({ mode: 'open' });
  root.innerHTML =
    '<style>' +
    '.n-launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border:0;border-radius:50%;' +
    'background:var(--n-theme,#2563eb);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);' +
    'display:grid;place-items:center;padding:0;transition:transform .15s}' +
    '.n-launcher:hover{transform:scale(1.06)}' +
    '.n-launcher:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px var(--n-theme,#2563eb)}' +
    '.n-launcher svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}' +
    '.n-launcher .n-x,.n-launcher[aria-expanded=true] .n-bubble-icon{display:none}' +
    '.n-launcher[aria-expanded=true] .n-x{display:block}' +
    '.n-badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;' +
    'border-radius:10px;background:#dc2626;color:#fff;font:700 12px/20px system-ui,sans-serif}' +
    '[hidden]{display:none!important}:host([data-mode=page]) .n-launcher,:host([data-closed]) .n-launcher{display:none}' +
    // Shown the moment the launcher is clicked, until the app has drawn its own panel.
    '.n-boot{position:fixed;box-sizing:border-box;right:20px;bottom:88px;width:370px;height:min(600px,calc(100vh - 110px));border-radius:16px;' +
    'background:#fff;box-shadow:0 12px 40px rgba(0,0,0,.25);border-top:56px solid var(--n-theme,#2563eb);display:grid;place-items:center}' +
    '.n-boot-x{position:absolute;top:-46px;right:10px;width:36px;height:36px;border:0;border-radius:50%;background:none;color:#fff;font:24px/36px system-ui,sans-serif;cursor:pointer}' +
    '.n-boot-x:focus-visible{outline:2px solid #fff}' +
    '.n-boot i{width:28px;height:28px;border:3px solid #d1d5db;border-top-color:var(--n-theme,#2563eb);border-radius:50%;animation:n-spin .8s linear infinite}' +
    '@keyframes n-spin{to{transform:rotate(1turn)}}' +
    ':host([data-position=left]) .n-launcher{right:auto;left:20px}@media (min-width:481px){:host([data-position=left]) .n-boot{right:auto;left:20px}}' +
    '@media (max-width:480px){.n-boot{inset:0;width:100%;height:100%;border-radius:0}}' +
    ':host([data-mode=page]) .n-boot{inset:0;margin:0 auto;width:100%;max-width:760px;height:100%;border-radius:0}' +
    ':host([data-theme=dark]) .n-boot{background:#111827}:host([data-theme=dark]) .n-boot i{border-color:#374151;border-top-color:#fff}' +
    '@media (prefers-color-scheme:dark){:host(:not([data-theme=light])) .n-boot{background:#111827}:host(:not([data-theme=light])) .n-boot i{border-color:#374151;border-top-color:#fff}}' +
    '@media (prefers-reduced-motion:reduce){.n-launcher{transition:none}.n-boot i{animation-duration:3s}}' +
    '</style>' +
    '<link rel="stylesheet" href="' + server + '/widget/widget.css">' +
    '<button type="button" class="n-launcher" aria-expanded="false" aria-label="' +
    (vi ? 'Mở cửa sổ chat' : 'Open chat') + '">' +
    '<svg class="n-bubble-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>' +
    '<svg class="n-x" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>' +
    '<span class="n-badge" hidden></span></button>' +
    '<div class="n-boot" role="status" hidden><button type="button" class="n-boot-x" aria-label="' +
    (vi ? 'Đóng cửa sổ chat' : 'Close chat') + '">×</button><i></i><span style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)">' +
    (vi ? 'Đang tải…' : 'Loading…') + '</span></div>' +
    '<div class="n-mount"></div>';
  var launcher = root.querySelector('.n-launcher');
  var badge = root.querySelector('.n-badge');
  var boot = root.querySelector('.n-boot');
  // On a phone the frame covers the launcher: it has its own way out.
  boot.querySelector('.n-boot-x').addEventListener('click', function () {
    wanted = false;
    boot.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  });

  // Typing in the widget must not trigger the host page's keyboard shortcuts.
  ['keydown', 'keyup', 'keypress'].forEach(function (type) {
    root.addEventListener(type, function (e) { e.stopPropagation(); });
  });

  var ready = false, loading = false, queue = [], handlers = {};
  // The app's wasm (the bulk of it) and the website's settings are fetched as soon as the
  // loader runs, at low priority so the page's own resources go first: when the visitor
  // opens the chat they are there, and on a slow network no round trip follows the click.
  // The app takes the settings' response from `natterConfig` (once) instead of asking again.
  var early = null;
  var glue = server + '/widget/natter-widget.js';
  function prefetch() {
    if (early) return early;
    var quiet = function () {};
    var low = { priority: 'low' };
    // The app's JS too, into the module map, so starting it costs no round trip either.
    var hint = document.createElement('link');
    hint.rel = 'modulepreload';
    hint.href = glue;
    hint.fetchPriority = 'low';
    (document.head || document.documentElement).appendChild(hint);
    early = fetch(server + '/widget/natter-widget_bg.wasm', low);
    early.catch(quiet);
    host.natterConfig = fetch(server + '/api/v1/widget/' + encodeURIComponent(data.org || '') + '/' +
      encodeURIComponent(data.account || '') + '/config', low);
    host.natterConfig.catch(quiet);
    return early;
  }
  // Files (attachments) are drawn and uploaded by a module of their own, imported the first
  // time a file is picked or shown.
  host.natterFiles = function () { return import(server + '/widget/files.js'); };
  function load() {
    if (loading) return;
    loading = true;
    var wasm = prefetch();
    import(glue)
      .then(function (app) { return app.default({ module_or_path: wasm }); })
      .catch(function (e) {
        early = null;
        loading = false;
        wanted = false;
        boot.hidden = true;
        launcher.setAttribute('aria-expanded', 'false');
        console.error('[natter] could not load the chat', e);
      });
  }
  function command(cmd, arg) {
    if (ready) {
      host.dispatchEvent(new CustomEvent('natter:command', { detail: { cmd: cmd, arg: arg } }));
    } else {
      queue.push([cmd, arg]);
      if (cmd !== 'setUser' && cmd !== 'reset') load();
    }
  }

  // The app reports on the host element; events are composed and bubble, so the page may
  // also listen on window ("natter:message", …).
  ['ready', 'open', 'close', 'message', 'unread'].forEach(function (name) {
    host.addEventListener('natter:' + name, function (e) {
      var detail = e.detail;
      if (name === 'ready') {
        ready = true;
        boot.hidden = true;
        queue.splice(0).forEach(function (c) { command(c[0], c[1]); });
        if (wanted) command('open');
      } else if (page && name === 'close') {
        command('open');
      } else if (name === 'open' || name === 'close') {
        launcher.setAttribute('aria-expanded', String(name === 'open'));
        if (name === 'close' && root.activeElement) launcher.focus();
      } else if (name === 'unread') {
        badge.hidden = !detail.count;
        badge.textContent = detail.count > 9 ? '9+' : String(detail.count);
      }
      (handlers[name] || []).slice().forEach(function (fn) {
        try { fn(detail); } catch (err) { console.error(err); }
      });
    });
  });
  // Before the app is there, a click shows the panel's frame at once and remembers that the
  // visitor wants the chat. The second click of a double click (`detail` 2, as the browser
  // counts it) is the same wish, not a change of mind; separate clicks always count.
  var wanted = false;
  launcher.addEventListener('click', function (event) {
    if (event.detail > 1) return;
    if (ready) { command('toggle'); return; }
    wanted = !wanted;
    boot.hidden = !wanted;
    launcher.setAttribute('aria-expanded', String(wanted));
    load();
  });
  // A hand on its way to the launcher: start fetching the app now.
  ['pointerdown', 'pointerenter', 'focus', 'touchstart'].forEach(function (type) {
    launcher.addEventListener(type, load, { once: true, passive: true });
  });

  var api = window.Natter = {
    open: function () { command('open'); },
    close: function () { command('close'); },
    toggle: function () { command('toggle'); },
    /** The page's signed-in user: {name, email} pre-fill the lead form; with {id, user_hash}
     *  (hex HMAC-SHA256 of id with the website's identity secret, made on your server) the
     *  visitor is that verified contact, with their conversations on every device. */
    setUser: function (user) {
      user = user || {};
      var s = function (v) { return v == null ? '' : String(v); };
      command('setUser', { name: s(user.name), email: s(user.email), id: s(user.id), user_hash: s(user.user_hash) });
    },
    /** Forgets the visitor: the next chat starts with the lead form. */
    reset: function () {
      try { localStorage.removeItem('natter:' + data.org + ':' + data.account); } catch (e) { /* disabled */ }
      command('reset');
    },
    on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); return api; },
    off: function (name, fn) { handlers[name] = (handlers[name] || []).filter(function (f) { return f !== fn; }); return api; }
  };

  (document.body || document.documentElement).appendChild(host);
  prefetch();
  if (page) {
    wanted = true;
    boot.hidden = false;
    load();
    return;
  }

  // Never compete with the host page's own loading: start the app after `load`, when idle.
  function idle() { if (window.requestIdleCallback) requestIdleCallback(load, { timeout: 4000 }); else setTimeout(load, 1500); }
  if (document.readyState === 'complete') idle(); else window.addEventListener('load', idle, { once: true });
})();
