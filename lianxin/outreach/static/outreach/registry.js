// The household registry's pages (the Content-Security-Policy allows no inline script):
// the livestock fields show only when the household is listed as a livestock farm; an import
// runs step after step while its page is open, showing the progress (without script the
// page's button takes one step at a time).
(function () {
  "use strict";
  function toggleFarm() {
    var box = document.getElementById("reason-livestock_farm");
    var fields = document.getElementById("farm-fields");
    if (box && fields) fields.hidden = !box.checked;
  }
  function runImport(form) {
    var bar = document.getElementById("import-progress");
    var count = document.getElementById("import-count");
    var error = document.getElementById("import-step-error");
    form.hidden = true;
    function failed(message) {
      error.textContent = message;
      error.hidden = false;
      form.hidden = false;
    }
    function step() {
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) throw new Error(body.message || response.statusText);
            return body;
          });
        })
        .then(function (body) {
          bar.max = body.total;
          bar.value = body.done;
          count.textContent = body.done + " / " + body.total;
          if (body.finished) window.location.reload();
          else step();
        })
        .catch(function (e) { failed(e.message); });
    }
    step();
  }
  document.addEventListener("change", function (e) {
    if (e.target.name === "reasons") toggleFarm();
  });
  document.addEventListener("DOMContentLoaded", function () {
    toggleFarm();
    var form = document.querySelector("form[data-import-step]");
    if (form) runImport(form);
  });
})();
