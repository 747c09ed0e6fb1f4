/* The operator console's lookups: as the operator types, small JSON requests (debounced, the
   previous one cancelled) fill the caller's history, the router's suggestion, likely duplicates
   and knowledge-base answers. Buttons in the results fill the form; the form posts as usual,
   so the console works (without the live lookups) even with scripts off. */
(function () {
  "use strict";
  var DELAY = 250;

  function text(id) {
    var t = document.getElementById(id);
    return t ? t.content.textContent.trim() : "";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /* One lookup: debounced, the request before aborted, its answer drawn by `draw`. */
  function lookup(url, param, target, draw, minLength) {
    var timer = null;
    var running = null;
    return function (value) {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (running) running.abort();
        if (value.trim().length < (minLength || 1)) return;
        running = new AbortController();
        target.textContent = text("t-loading");
        target.setAttribute("aria-busy", "true");
        fetch(url + "?" + param + "=" + encodeURIComponent(value), {
          credentials: "same-origin",
          signal: running.signal,
          headers: { Accept: "application/json" },
        })
          .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
          .then(function (pair) {
            target.removeAttribute("aria-busy");
            target.textContent = "";
            if (!pair[0]) { target.textContent = pair[1].detail || text("t-failed"); return; }
            draw(pair[1].results, target);
          })
          .catch(function (err) {
            if (err.name === "AbortError") return;
            target.removeAttribute("aria-busy");
            target.textContent = text("t-failed");
          });
      }, DELAY);
    };
  }

  function appealItem(a, withAdd) {
    var li = el("li", { class: a.open ? "open" : "", "data-appeal": a.tracking_number }, [
      el("strong", { text: a.tracking_number }),
      document.createTextNode(" " + a.title),
      el("div", {
        class: "muted",
        text: a.status_label + " · " + text("t-deadline") + " " + a.handling_deadline +
          (a.unit ? " · " + a.unit : ""),
      }),
    ]);
    if (withAdd && a.open) {
      li.appendChild(el("button", {
        type: "button", class: "secondary", "data-add-to": a.tracking_number, text: text("t-add-to"),
      }));
    }
    return li;
  }

  function drawHistory(rows, target) {
    if (!rows.length) { target.textContent = text("t-none-history"); return; }
    target.appendChild(el("ul", { class: "lookups" }, rows.map(function (a) { return appealItem(a, false); })));
  }

  function startPage(form) {
    var phone = document.getElementById("phone");
    var history = document.getElementById("history");
    var show = lookup(form.dataset.history, "phone", history, drawHistory, 7);
    phone.addEventListener("input", function () { show(phone.value.replace(/[\s()]/g, "")); });
    if (phone.value) show(phone.value);
    /* A call the telephone system puts through opens the console by itself. */
    setInterval(function () {
      if (document.hidden || phone.value) return;
      fetch(form.dataset.current, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body && body.results) window.location.reload(); })
        .catch(function () {});
    }, 3000);
  }

  function callPage(form) {
    var title = document.getElementById("title");
    var content = document.getElementById("content");
    var kbQuery = document.getElementById("kb-query");
    var category = document.getElementById("category");
    var article = document.getElementById("article");
    var addTo = document.getElementById("add_to");
    var note = document.getElementById("note");

    var suggest = lookup(form.dataset.suggest, "text", document.getElementById("suggestion"), function (s, target) {
      if (!s) { target.textContent = text("t-none-suggestion"); return; }
      target.appendChild(el("div", {}, [
        el("strong", { text: s.category_name }),
        document.createTextNode(" → " + (s.unit || "—") + " (" + Math.round(s.confidence * 100) + "%, " +
          (s.dispatch_at_once ? text("t-dispatch-now") : text("t-dispatch-queue")) + ")"),
      ]));
      target.appendChild(el("button", { type: "button", class: "secondary", "data-category": s.category, text: text("t-use-category") }));
    }, 4);

    var similar = lookup(form.dataset.similar, "text", document.getElementById("similar"), function (rows, target) {
      if (!rows.length) { target.textContent = text("t-none-similar"); return; }
      target.appendChild(el("ul", { class: "lookups" }, rows.map(function (a) { return appealItem(a, true); })));
    }, 4);

    var articles = lookup(form.dataset.articles, "q", document.getElementById("articles"), function (rows, target) {
      if (!rows.length) { target.textContent = text("t-none-articles"); return; }
      target.appendChild(el("ul", { class: "lookups" }, rows.map(function (a) {
        return el("li", { "data-article": a.id }, [
          el("strong", { text: a.question }),
          el("div", { class: "answer", text: a.answer }),
          el("div", { class: "muted", text: [a.policy_basis, a.unit].filter(Boolean).join(" · ") }),
          el("button", { type: "button", class: "secondary", "data-use-article": a.id, "data-question": a.question, text: text("t-use-article") }),
        ]);
      })));
    }, 2);

    function matter() { return (title.value + " " + content.value).trim(); }
    function typed() {
      suggest(matter());
      similar(matter());
      if (!kbQuery.dataset.touched) { kbQuery.value = title.value.trim() || content.value.trim().slice(0, 30); articles(kbQuery.value); }
    }
    title.addEventListener("input", typed);
    content.addEventListener("input", typed);
    kbQuery.addEventListener("input", function () { kbQuery.dataset.touched = "1"; articles(kbQuery.value); });

    /* The category's questions, asked in order. */
    category.addEventListener("change", function () {
      var target = document.getElementById("questions");
      fetch(form.dataset.questions + "?category=" + encodeURIComponent(category.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          target.textContent = "";
          (body.results || []).forEach(function (q, i) {
            var label = el("label", { for: "q_" + q.key, text: (i + 1) + ". " + q.text + (q.required ? "" : " (" + text("t-optional") + ")") });
            var input = el("input", { type: q.kind === "count" ? "number" : "text", name: "q_" + q.key, id: "q_" + q.key });
            if (q.kind === "count") input.setAttribute("min", "0");
            target.appendChild(label);
            target.appendChild(input);
          });
        });
    });

    document.addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b) return;
      if (b.dataset.addTo) { addTo.value = b.dataset.addTo; note.focus(); }
      if (b.dataset.useArticle) {
        article.value = b.dataset.useArticle;
        document.getElementById("article-label").textContent = b.dataset.question;
        document.querySelectorAll("[data-article]").forEach(function (li) {
          li.classList.toggle("chosen", li.dataset.article === b.dataset.useArticle);
        });
        note.focus();
      }
      if (b.dataset.category) {
        category.value = b.dataset.category;
        category.dispatchEvent(new Event("change"));
      }
    });
    /* Enter moves on to the next field: the form is sent only by choosing an outcome. */
    form.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (ev.key !== "Enter" || t.tagName !== "INPUT" || t.type === "submit") return;
      ev.preventDefault();
      var fields = Array.prototype.filter.call(form.elements, function (f) {
        return f.type !== "hidden" && !f.disabled && f.offsetParent !== null;
      });
      var next = fields[fields.indexOf(t) + 1];
      if (next) next.focus();
    });
    /* Alt+1, Alt+2, Alt+3: the three outcomes, without leaving the keyboard. */
    var outcomes = { Digit1: "answered", Digit2: "created", Digit3: "added" };
    document.addEventListener("keydown", function (ev) {
      if (!ev.altKey || !outcomes[ev.code]) return;
      ev.preventDefault();
      form.querySelector("button[name=outcome][value=" + outcomes[ev.code] + "]").click();
    });
    if (matter()) typed();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var start = document.getElementById("start-form");
    var call = document.getElementById("call-form");
    if (start) startPage(start);
    if (call) callPage(call);
  });
})();
