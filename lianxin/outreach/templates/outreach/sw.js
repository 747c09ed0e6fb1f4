{% load static %}// The outreach pages' service worker. Served from {{ scope }}sw.js, so it controls the
// pages under {{ scope }} and nothing else. It does two things for a cadre in a village
// without signal:
// - keeps the pages they opened (my households, a household, its visit form) and the static
//   files those pages use, so they open again with no signal; with signal, pages always come
//   from the server (the copy is only refreshed);
// - keeps a visit whose post found no network on the phone (queue.js) and answers with the
//   household's page saying so; offline.js on the pages sends it when the signal returns.
// Rendered by Django only for the translated fallback page and the static files' addresses.
importScripts("{% static 'outreach/queue.js' %}");

var SCOPE = "{{ scope|escapejs }}";
var STATIC = "{{ static_prefix|escapejs }}";
// The shell: files every outreach page needs, fetched when the worker installs. A new
// version of this list is a new worker (the browser compares this file byte for byte).
var SHELL = "outreach-shell-{{ version }}";
var SHELL_FILES = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
// Pages the cadre opened, one copy per address (the query string is not part of the key).
// site.js deletes this cache when the cadre logs out: the next person on the phone does not
// get to read them.
var PAGES = "outreach-pages";
var VISIT_FORM = /\/households\/\d+\/visit\/$/;
// A village's signal may carry a request and never bring the answer. After this long without
// one, a page comes from the copy and a visit is kept on the phone. A visit that reached the
// server after all is not stored twice: it is sent again with the same client id, and the
// server answers "stored before".
var PAGE_WAIT = 10000;
var POST_WAIT = 20000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL)
      .then(function (cache) { return cache.addAll(SHELL_FILES); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return key.indexOf("outreach-shell-") === 0 && key !== SHELL;
        }).map(function (key) { return caches.delete(key); }));
      })
      // Take the page that registered the worker at once: its next navigation is covered.
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (request.mode === "navigate" && request.method === "POST" && VISIT_FORM.test(url.pathname)) {
    event.respondWith(postVisit(request));
  } else if (request.method !== "GET") {
    return; // every other write (the sync endpoint included) goes to the server as it is
  } else if (request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0) {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf(STATIC) === 0) {
    event.respondWith(staticFile(request));
  }
});

// The page addresses of "my households" ask the worker to keep (offline.js): each household's
// page and visit form, so that a cadre who opened the list once has all their forms offline.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(caches.open(PAGES).then(function (cache) {
    return Promise.all(urls.map(function (href) {
      var url = new URL(href, location.href);
      if (url.origin !== location.origin || url.pathname.indexOf(SCOPE) !== 0) return null;
      return cache.match(url.pathname).then(function (kept) {
        return kept || fetch(url.pathname, { credentials: "same-origin", redirect: "manual" })
          .then(function (response) { return keep(cache, url.pathname, response); })
          .catch(function () { return null; });
      });
    }));
  }));
});

function keep(cache, path, response) {
  // Only a page the server really served: never a redirect to the login page or an error.
  if (response.ok && response.type === "basic" && !response.redirected) {
    return cache.put(path, response.clone());
  }
  return null;
}

function fromCache(path) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(path, { ignoreSearch: true, ignoreVary: true });
  });
}

// The answer, or a failure when there is none within `ms`.
function withinTime(answer, ms) {
  var timer;
  var late = new Promise(function (resolve, reject) { timer = setTimeout(reject, ms); });
  return Promise.race([answer, late]).then(function (response) {
    clearTimeout(timer);
    return response;
  }, function (error) {
    clearTimeout(timer);
    throw error;
  });
}

// Network first: with signal the cadre sees today's page; without, the copy they opened last.
function page(request) {
  var path = new URL(request.url).pathname;
  return withinTime(fetch(request), PAGE_WAIT).then(function (response) {
    return caches.open(PAGES)
      .then(function (cache) { return keep(cache, path, response); })
      .then(function () { return response; });
  }, function () {
    return fromCache(path).then(function (kept) { return kept || notKept(); });
  });
}

// Copy first (they change only with a release), refreshed behind the scenes when there is
// signal, so the copy is at most one visit old.
function staticFile(request) {
  return caches.match(request, { ignoreVary: true }).then(function (kept) {
    var fresh = fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
    if (!kept) return fresh;
    fresh.catch(function () { /* no signal: the copy will do */ });
    return kept;
  });
}

// A visit form posted. With network it goes to the server as without this worker (the server
// answers a redirect when it stored the visit, and then a copy of it kept on the phone
// earlier, being corrected, is done with). With no network, or no answer in time, the visit
// is kept on the phone.
function postVisit(request) {
  var copy = request.clone();
  return withinTime(fetch(request), POST_WAIT).then(function (response) {
    if (response.type !== "opaqueredirect") return response;
    return copy.formData()
      .then(function (data) { return VisitQueue.remove(data.get("client_uuid")); })
      .then(function () { return response; });
  }, function () {
    // Photos are not kept on the phone (too large for its storage, and they would wait there
    // unprotected): the page says so, and the cadre adds them on the household's page later.
    var withPhoto = false;
    return copy.formData().then(function (data) {
      withPhoto = data.getAll("photos").some(function (f) { return f && f.size > 0; });
      return VisitQueue.put(VisitQueue.fromForm(data, request.url));
    }).then(function () { return savedOnPhone(new URL(request.url).pathname, withPhoto); });
  });
}

// After a visit was kept: the household's page if the phone has it, else "my households",
// else the form again; the page then says the visit is kept and how many wait.
function savedOnPhone(formPath, withPhoto) {
  var candidates = [formPath.replace(/visit\/$/, ""), SCOPE, formPath];
  return candidates.reduce(function (found, path) {
    return found.then(function (hit) {
      return hit || fromCache(path).then(function (kept) { return kept ? path : null; });
    });
  }, Promise.resolve(null)).then(function (path) {
    var said = withPhoto ? "?offline=saved-no-photo" : "?offline=saved";
    return Response.redirect(new URL((path || SCOPE) + said, location.href).href, 303);
  });
}

function notKept() {
  var body = "<!doctype html><html lang=\"{{ lang|escapejs }}\"><meta charset=\"utf-8\">"
    + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    + "<link rel=\"stylesheet\" href=\"" + SHELL_FILES[0] + "\">"
    + "<title>{{ offline_title|force_escape|escapejs }}</title>"
    + "<main><h1>{{ offline_title|force_escape|escapejs }}</h1>"
    + "<p>{{ offline_text|force_escape|escapejs }}</p>"
    + "<p><a href=\"" + SCOPE + "\">{{ mine|force_escape|escapejs }}</a></p></main>";
  return new Response(body, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}
