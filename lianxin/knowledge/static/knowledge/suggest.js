// The filing page asks the knowledge base while the citizen types the title and content, and
// shows matching answers above the submit button. "Answered" posts a form of its own (the
// suggestions sit inside the filing form, and forms do not nest) and leaves the page: the
// citizen does not file. "Continue" is counted in the background and hides the suggestions.
(function () {
  "use strict";
  var box = document.getElementById("kb-suggest");
  if (!box) return;
  var fields = ["id_title", "id_content"].map(function (id) { return document.getElementById(id); })
    .filter(Boolean);
  var timer = null, last = "", dismissed = false;
  function token() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function ask() {
    if (dismissed) return;
    var q = fields.map(function (f) { return f.value; }).join(" ").trim().slice(0, 300);
    if (q === last) return;
    last = q;
    if (q.length < 2) { box.innerHTML = ""; return; }
    fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (q === last && !dismissed) box.innerHTML = html; })
      .catch(function () { /* no suggestions: filing works as before */ });
  }
  fields.forEach(function (f) {
    f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 300); });
  });
  box.addEventListener("click", function (event) {
    var answered = event.target.closest(".kb-answered");
    if (answered) {
      var form = document.createElement("form");
      form.method = "post";
      form.action = answered.dataset.url;
      var csrf = document.createElement("input");
      csrf.type = "hidden";
      csrf.name = "csrfmiddlewaretoken";
      csrf.value = token();
      form.appendChild(csrf);
      document.body.appendChild(form);
      form.submit();
      return;
    }
    var button = event.target.closest(".kb-continue");
    if (!button) return;
    dismissed = true;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token());
    fetch(button.dataset.url, {method: "POST", body: body, credentials: "same-origin"})
      .catch(function () {});
    box.innerHTML = "";
    var next = document.getElementById("id_content") || document.getElementById("submit-appeal");
    if (next) next.focus();
  });
  if (fields.some(function (f) { return f.value; })) ask();
})();
