// The visits a cadre saved with no signal, kept on the phone (IndexedDB) until the server has
// them. One list for both halves: the service worker (sw.js, through importScripts) adds a
// visit whose post found no network; the pages (offline.js) count, send, correct and delete
// them. No library: IndexedDB's requests wrapped in promises.
//
// An entry: {client_uuid (made on the phone, the server stores a visit once by it), cadre
// (whose it is: only they send it), pairing, household, form_url, saved_at (the phone's
// clock), fields {visited_on, form, notes, needs, ...as the form posts them}, error (null, or
// the server's refusal {code, message}: kept until the cadre corrects or deletes it)}.
(function (root) {
  "use strict";
  var DB = "lianxin-outreach";
  var STORE = "visits";
  var FIELDS = [
    "visited_on", "form", "notes", "needs",
    "immunisation_done", "sick_count", "dead_count", "biosecurity_ok",
  ];

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "client_uuid" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Resolves when the transaction has committed, not when the request succeeded: a visit
  // counts as kept (or as gone) only once it is durably so.
  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  root.VisitQueue = {
    FIELDS: FIELDS,
    all: function () { return run("readonly", function (s) { return s.getAll(); }); },
    get: function (id) { return run("readonly", function (s) { return s.get(id); }); },
    put: function (entry) { return run("readwrite", function (s) { return s.put(entry); }); },
    remove: function (id) { return run("readwrite", function (s) { return s.delete(id); }); },

    // The entry for a visit form posted with no signal (its FormData and address).
    fromForm: function (data, formUrl) {
      var fields = {};
      FIELDS.forEach(function (name) { fields[name] = data.get(name) || ""; });
      return {
        client_uuid: data.get("client_uuid"),
        cadre: data.get("offline_cadre"),
        pairing: data.get("offline_pairing"),
        household: data.get("offline_household"),
        form_url: formUrl.split("?")[0],
        saved_at: new Date().toISOString(),
        fields: fields,
        error: null,
      };
    },
  };
})(self);
