// Files in the widget and the inbox: a message's attachments, and the tray of files picked
// for the next message, each uploaded at once with its progress and a cancel.
//
// Plain JS, imported the first time a file is picked or shown (natter_client::files is its
// Rust side): in the widget's wasm this code cost every visitor ~20 KB gzipped, here it is
// ~2 KB fetched only by those who use files (docs/widget-size.md). Names are always text,
// never HTML.

var MB = 1048576;

/** A file's size as people read it: "812 B", "14 KB", "2.4 MB". */
export function size(bytes) {
  if (bytes < 1024) return bytes + ' B';
  if (bytes < MB) return Math.ceil(bytes / 1024) + ' KB';
  return (Math.round((bytes * 10) / MB) / 10).toFixed(1) + ' MB';
}

// The names people know the office types by.
var KINDS = {
  'text/plain': 'TEXT',
  'image/svg+xml': 'SVG',
  'application/msword': 'DOC',
  'application/vnd.ms-excel': 'XLS',
  'application/vnd.ms-powerpoint': 'PPT',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PPTX',
  'application/vnd.oasis.opendocument.text': 'ODT',
  'application/vnd.oasis.opendocument.spreadsheet': 'ODS',
  'application/vnd.oasis.opendocument.presentation': 'ODP'
};

/** A file's type as people read it: `application/pdf` → "PDF". */
export function kind(type) {
  return KINDS[type] || type.split('/').pop().toUpperCase();
}

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/**
 * Fills `container` with a message's files, each `{name, size, content_type, url,
 * thumbnail, width, height}` with its paths on `origin` (the server's; "" on its own
 * pages): images as thumbnails that open full size in a new tab (the image's alt text,
 * the file's name, names the link), every other file as a card with its name, size and
 * type that downloads. A file without `url` (its message is still being sent) is a card
 * without a link.
 */
export function render(container, files, origin) {
  container.replaceChildren();
  files.forEach(function (file) {
    var href = file.url && origin + file.url;
    var image = href && file.thumbnail;
    var item = el(href ? 'a' : 'span', image ? 'file-image' : 'file-card');
    if (href) {
      item.href = href;
      item.target = '_blank';
      item.rel = 'noopener noreferrer';
    }
    if (image) {
      var img = el('img');
      img.src = origin + file.thumbnail;
      img.alt = file.name;
      img.loading = 'lazy';
      if (file.width && file.height) {
        img.width = file.width;
        img.height = file.height;
      }
      item.append(img);
    } else {
      if (href) item.download = file.name;
      item.append(
        el('span', 'file-name', file.name),
        el('span', 'file-details', size(file.size) + ' · ' + kind(file.content_type))
      );
    }
    container.append(item);
  });
}

/**
 * The files picked for the next message, drawn in `form`'s `ul.tray` (one is made as the
 * form's first child if it has none), which is hidden while it is empty and has
 * `data-busy` while a file uploads: the send button's look follows it. Each file is
 * uploaded as soon as it is added, shown with its progress and a button that cancels the
 * upload or takes the file back. `text` is `{uploading, remove, failed}` in the UI's
 * language (`remove` with "{name}"); at most `max` files.
 */
export class Tray {
  constructor(form, text, max) {
    var list = form.querySelector('.tray');
    if (!list) {
      list = el('ul', 'tray');
      form.prepend(list);
    }
    this.list = list;
    this.text = text;
    this.max = max;
    this.picks = [];
  }

  /** Uploads `files` (an array of File) to `url` (a conversation's `/attachments`), as many as fit. */
  add(url, token, files) {
    for (var i = 0; i < files.length && this.picks.length < this.max; i++) {
      this.upload(url, token, files[i]);
    }
    this.tell();
  }

  upload(url, token, file) {
    var tray = this;
    var text = this.text;
    var xhr = new XMLHttpRequest();
    var pick = { item: el('li', 'pick'), xhr: xhr, done: false, file: null };
    var bar = el('progress');
    var error = el('span', 'pick-error');
    var remove = el('button', 'pick-remove', '×');
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute('aria-label', text.uploading);
    error.setAttribute('role', 'alert');
    remove.type = 'button';
    remove.setAttribute('aria-label', text.remove.replace('{name}', file.name));
    remove.addEventListener('click', function () { tray.remove(pick); });
    pick.item.append(el('span', 'pick-name', file.name), bar, error, remove);
    this.list.append(pick.item);
    this.picks.push(pick);

    function finish(uploaded, reason) {
      if (pick.done) return;
      pick.done = true;
      pick.file = uploaded;
      bar.hidden = true;
      if (reason) error.textContent = reason;
      tray.tell();
    }
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable && e.total) bar.value = Math.floor((e.loaded * 100) / e.total);
    };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: a proxy's page */ }
      if (xhr.status >= 200 && xhr.status < 300 && body && body.id) {
        // Its URLs come with the message the server stores.
        body.url = '';
        finish(body);
      } else {
        var message = body && body.error && body.error.message;
        finish(null, message ? text.failed + ' ' + message : text.failed);
      }
    };
    xhr.onerror = function () { finish(null, text.failed); };
    var form = new FormData();
    form.append('file', file, file.name);
    xhr.open('POST', url);
    xhr.setRequestHeader('Authorization', 'Bearer ' + token);
    xhr.send(form);
  }

  remove(pick) {
    var at = this.picks.indexOf(pick);
    if (at < 0) return;
    this.picks.splice(at, 1);
    pick.item.remove();
    if (!pick.done) {
      pick.done = true;
      pick.xhr.abort();
    }
    this.tell();
  }

  /** How many files are still uploading (the message waits for them). */
  busy() {
    return this.picks.filter(function (p) { return !p.done; }).length;
  }

  tell() {
    this.list.hidden = !this.picks.length;
    this.list.toggleAttribute('data-busy', this.busy() > 0);
  }

  /** The files uploaded, as the protocol's `Attachment`s, for the message. */
  files() {
    return this.picks.filter(function (p) { return p.file; }).map(function (p) { return p.file; });
  }

  /** Empties the tray once the message took its files (refused ones go too). */
  clear() {
    this.picks.slice().forEach(this.remove, this);
  }
}
