// The site's few behaviours, declared in the markup (the Content-Security-Policy allows no
// inline script): data-autosubmit on a select sends its form; data-confirm on a form or a
// button asks first; data-print prints; data-idempotency fills a form's idempotency key;
// data-code-from-hash takes a code from the address's "#t=…" (never sent to the server);
// data-logout on the log-out form drops the outreach pages kept for use without signal.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[data-autosubmit]")) e.target.form.submit();
  });
  document.addEventListener("submit", function (e) {
    var message = e.target.dataset.confirm || (e.submitter && e.submitter.dataset.confirm);
    if (message && !window.confirm(message)) e.preventDefault();
    // Logging out drops the copies of the outreach pages kept for use without signal (their
    // households' names and phones): the next person on this phone does not read them. The
    // visits still waiting to be sent stay; only their cadre sends them (outreach/offline.js).
    // The browser carries the deletion out while the log-out goes on: no need to hold it.
    if (!e.defaultPrevented && e.target.hasAttribute("data-logout") && window.caches) {
      caches.delete("outreach-pages");
    }
  });
  document.addEventListener("click", function (e) {
    if (e.target.matches && e.target.matches("[data-print]")) window.print();
  });
  document.addEventListener("DOMContentLoaded", function () {
    // One key per filled-in form: a double click or a retry after a timeout never files twice.
    document.querySelectorAll("input[data-idempotency]").forEach(function (key) {
      if (!key.value) {
        key.value = (self.crypto && crypto.randomUUID) ? crypto.randomUUID()
          : String(Date.now()) + Math.random();
      }
    });
    // A QR code or message link carries the code after '#': put it in the field, then drop it
    // from the address bar and history.
    document.querySelectorAll("input[data-code-from-hash]").forEach(function (field) {
      var m = location.hash.match(/[#&]t=([A-Za-z0-9-]{20,40})/);
      if (m) {
        field.value = m[1];
        history.replaceState(null, "", location.pathname);
      }
    });
  });
})();
