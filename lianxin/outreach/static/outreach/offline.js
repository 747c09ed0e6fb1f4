// The outreach pages' half of offline visits (the other half is the service worker, sw.js):
// - registers the worker, and asks it to keep this page and, on "my households", each
//   household's pages;
// - shows how many visits wait on this phone ("n 条走访记录等待发送") and sends them to the
//   server when the signal returns (on load, on the browser's "online" event, every 30 s);
//   a visit leaves the phone only once the server said it has it (201, or 200: stored
//   before), so a resend after a lost answer stores nothing twice;
// - lists the visits the server refused, with its message, to correct or delete: never
//   dropped silently;
// - on the visit form: a new client id and today's date made on the phone (the page may be
//   a copy opened days ago), and a kept visit loaded back for correction (?edit=<id>).
// Without this script (or without service workers) the pages work as plain forms.
(function () {
  "use strict";
  var box = document.getElementById("visit-queue");
  if (!box || !("serviceWorker" in navigator) || !window.indexedDB || !window.VisitQueue) return;
  var queue = window.VisitQueue;
  var text = box.dataset;
  var count = document.getElementById("visit-queue-count");
  var refused = document.getElementById("visit-queue-refused");
  var notice = document.getElementById("visit-queue-notice");
  var sending = false;

  navigator.serviceWorker.register(text.sw, { scope: text.scope }).then(keepLinkedPages)
    .catch(function () { /* no worker (e.g. plain HTTP): the pages still work online */ });

  // This page too: the first one opened is loaded before the worker runs.
  function keepLinkedPages() {
    var urls = Array.prototype.map.call(document.querySelectorAll("a[data-offline-keep]"),
      function (a) { return a.href; }).concat([location.href]);
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage({ keep: urls });
    });
  }

  function mine() {
    return queue.all().then(function (entries) {
      return entries.filter(function (e) { return e.cadre === text.cadre; })
        .sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
    });
  }

  function say(message) {
    notice.textContent = message;
    notice.hidden = !message;
    box.hidden = false;
  }

  function render() {
    return mine().then(function (entries) {
      var n = entries.length;
      box.dataset.count = String(n);
      count.textContent = n === 1 ? text.one : text.many.replace("__N__", String(n));
      count.hidden = n === 0;
      refused.textContent = "";
      entries.filter(function (e) { return e.error; }).forEach(function (e) {
        var item = document.createElement("li");
        item.className = "error";
        item.dataset.clientUuid = e.client_uuid;
        var what = document.createElement("span");
        what.textContent = (e.household ? e.household + " · " : "") + e.fields.visited_on
          + " · " + text.refused + e.error.message + " ";
        var correct = document.createElement("a");
        correct.href = e.form_url + "?edit=" + encodeURIComponent(e.client_uuid);
        correct.textContent = text.correct;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "secondary";
        remove.dataset.deleteVisit = e.client_uuid;
        remove.textContent = text.delete;
        item.append(what, correct, " ", remove);
        refused.append(item);
      });
      box.hidden = n === 0 && notice.hidden;
    });
  }

  // The session's CSRF secret from its cookie: it stays valid when the page is a copy from
  // days ago; the token in any form on the page is the fallback.
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (field ? field.value : "");
  }

  function yesNo(value) {
    return value === "yes" ? true : value === "no" ? false : null;
  }

  // The sync endpoint's JSON: as the form posts it, yes/no made true/false.
  function payload(e) {
    var f = e.fields;
    return {
      client_uuid: e.client_uuid,
      pairing: Number(e.pairing),
      visited_on: f.visited_on,
      form: f.form,
      notes: f.notes,
      needs: f.needs,
      immunisation_done: yesNo(f.immunisation_done),
      sick_count: f.sick_count,
      dead_count: f.dead_count,
      biosecurity_ok: yesNo(f.biosecurity_ok),
      saved_at: e.saved_at,
    };
  }

  // Resolves true to go on with the next visit, false to stop and try all later.
  function sendOne(e) {
    return fetch(text.sync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload(e)),
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) {
        // Not the endpoint's answer: the session ended (the login page), or a proxy's page.
        if (response.redirected) say(text.signIn);
        return false;
      }
      return response.json().then(function (body) {
        if ((response.status === 201 || response.status === 200)
            && body.client_uuid === e.client_uuid) {
          return queue.remove(e.client_uuid).then(function () { return true; });
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          e.error = { code: body.code, message: body.message || body.detail || "" };
          return queue.put(e).then(function () { return true; });
        }
        return false; // busy or down: the visit waits
      });
    }, function () { return false; }); // no network
  }

  function send() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    var before;
    return mine().then(function (entries) {
      before = entries.length;
      return entries.filter(function (e) { return !e.error; }).reduce(function (go, e) {
        return go.then(function (ok) { return ok && sendOne(e); });
      }, Promise.resolve(true));
    }).catch(function () { return false; }).then(mine).then(function (entries) {
      // What the page said about visits kept (maybe a copy of the page) is out of date now.
      if (entries.length < before) say(text.sent.replace("__N__", String(before - entries.length)));
    }).catch(function () { /* the list could not be read: shown as it was */ }).then(function () {
      sending = false;
      return render();
    });
  }

  document.addEventListener("click", function (event) {
    var id = event.target.dataset && event.target.dataset.deleteVisit;
    if (id && window.confirm(text.confirmDelete)) queue.remove(id).then(render);
  });

  var form = document.querySelector("form[data-visit-form]");
  if (form) prepareForm(form);

  function localToday() {
    var d = new Date();
    return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }

  function newClientId() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); })
      .join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function prepareForm(form) {
    var id = form.elements.client_uuid;
    var edit = new URLSearchParams(location.search).get("edit");
    if (edit) {
      queue.get(edit).then(function (e) {
        if (!e) return;
        queue.FIELDS.forEach(function (name) { form.elements[name].value = e.fields[name]; });
        id.value = e.client_uuid;
        if (e.error) {
          var p = document.createElement("p");
          p.className = "error";
          p.setAttribute("role", "alert");
          p.textContent = text.refused + e.error.message;
          form.before(p);
        }
      });
    } else if (id.hasAttribute("data-fresh")) {
      // A blank form (not one the server sent back with an error, whose id must stay).
      id.value = newClientId();
      form.elements.visited_on.value = localToday();
    }
    form.addEventListener("submit", function () {
      var token = csrfToken();
      if (token) form.elements.csrfmiddlewaretoken.value = token;
    });
  }

  var offline = new URLSearchParams(location.search).get("offline");
  if (offline === "saved" || offline === "saved-no-photo") {
    say(offline === "saved" ? text.saved : text.saved + " " + text.noPhoto);
    history.replaceState(null, "", location.pathname);
  }
  window.addEventListener("online", send);
  window.setInterval(send, 30000);
  render().then(send);
})();
