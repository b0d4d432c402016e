/* Drafts: a reply or a new thread being written is kept in this browser (localStorage), per member and per thread
   or board, restored when the member comes back to the form, and cleared once the server says it was sent (the page
   after a successful send carries <meta name="draft-sent">). Signing out clears every draft in this browser. */
(function () {
  "use strict";
  var PREFIX = "haven-draft:";
  var FIELDS = ["title", "body", "content_warning"];
  function store() { try { return window.localStorage; } catch (e) { return null; } }
  var ls = store();
  if (!ls) { return; }
  var ownerMeta = document.querySelector('meta[name="draft-owner"]');
  var owner = ownerMeta ? ownerMeta.getAttribute("content") : null;
  function keyFor(name) { return PREFIX + owner + ":" + name; }

  function clearAll() {
    var doomed = [];
    for (var i = 0; i < ls.length; i++) {
      var k = ls.key(i);
      if (k && k.indexOf(PREFIX) === 0) { doomed.push(k); }
    }
    doomed.forEach(function (k) { ls.removeItem(k); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var sent = document.querySelector('meta[name="draft-sent"]');
    if (sent && owner) { ls.removeItem(keyFor(sent.getAttribute("content"))); }
    document.querySelectorAll('form[action$="/logout"], form[action$="/sign-out-everywhere"]').forEach(function (f) {
      f.addEventListener("submit", clearAll);
    });
    if (!owner) { return; }
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      var key = keyFor(form.getAttribute("data-draft-key"));
      var inputs = FIELDS.map(function (n) { return form.elements.namedItem(n); }).filter(Boolean);
      if (!inputs.length) { return; }
      var status = document.createElement("p");
      status.className = "draft-status muted";
      status.setAttribute("role", "status");
      form.insertBefore(status, form.firstChild.nextSibling);

      var empty = inputs.every(function (i) { return !i.value.trim(); });
      var saved = null;
      try { saved = JSON.parse(ls.getItem(key) || "null"); } catch (e) { saved = null; }
      if (saved && empty) {
        inputs.forEach(function (i) { if (typeof saved[i.name] === "string") { i.value = saved[i.name]; } });
        status.textContent = "Your unsent draft is back (kept only in this browser). ";
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button secondary small";
        discard.textContent = "Discard draft";
        discard.addEventListener("click", function () {
          ls.removeItem(key);
          inputs.forEach(function (i) { i.value = ""; });
          status.textContent = "Draft discarded.";
        });
        status.appendChild(discard);
      }
      var timer = null;
      function save() {
        var data = {}, any = false;
        inputs.forEach(function (i) { data[i.name] = i.value; any = any || !!i.value.trim(); });
        if (any) { ls.setItem(key, JSON.stringify(data)); } else { ls.removeItem(key); }
      }
      inputs.forEach(function (i) {
        i.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 400); });
      });
      form.addEventListener("submit", save);  // kept until the server confirms it was sent
    });
  });
}());
