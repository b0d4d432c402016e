// Moderation queue, live without losing your place. Each `queue_item` event carries the item's card, rendered once
// by the server (moderation/queue/cards.py): a card that belongs in this page's filter and order is inserted or
// updated where it belongs, nothing else on the page is re-rendered, and what the moderator opened stays open.
// A new card landing above the viewport shows a "1 new urgent item" button that scrolls to it; items outside the
// filter are only counted. Without JavaScript the page is an ordinary list (reload to see changes).
(function () {
  "use strict";
  var live = document.getElementById("queue-live");
  if (!live || !window.havenStaffSocket) { return; }
  var socket = window.havenStaffSocket;  // staff.js holds the staff room's one connection
  var list = live.querySelector("[data-queue-list]");
  var cueAbove = document.querySelector("[data-cue-above]");
  var cueElsewhere = document.querySelector("[data-cue-elsewhere]");
  var d = live.dataset;
  var filter = {
    status: d.status || "open",
    kinds: d.kinds ? d.kinds.split(",") : [],
    priorities: d.priorities ? d.priorities.split(",") : [],
    claimed: d.claimed || "any",
    room: d.room || "",
    narrowed: d.narrowed === "1",  // waiting time or board: a live card cannot tell, so new items are only counted
    me: d.me || ""
  };
  var page = parseInt(d.page || "1", 10), perPage = parseInt(d.perPage || "200", 10);
  var keepCollapsed = document.body.getAttribute("data-keep-collapsed") === "1";
  var above = [];  // new cards inserted above the viewport, not yet seen
  var elsewhere = { count: 0, urgent: 0 };

  function matches(item) {
    if (filter.status !== "all" && item.status !== filter.status) { return false; }
    if (filter.kinds.length && filter.kinds.indexOf(item.kind) < 0) { return false; }
    if (filter.priorities.length && filter.priorities.indexOf(item.priority) < 0) { return false; }
    if (filter.claimed === "me" && item.claimed_by !== filter.me) { return false; }
    if (filter.claimed === "none" && item.claimed_by) { return false; }
    if (filter.room && !(item.message && item.message.room === filter.room)) { return false; }
    if (filter.narrowed) { return false; }
    return true;
  }

  function keyOf(card) {
    return { rank: parseInt(card.getAttribute("data-rank"), 10),
             created: Date.parse(card.getAttribute("data-created")) || 0,
             updated: Date.parse(card.getAttribute("data-updated")) || 0,
             id: parseInt(card.getAttribute("data-item-id"), 10) };
  }

  function compare(a, b) {  // the server's order: open = rank, oldest first; otherwise newest change first
    if (filter.status === "open") {
      return (a.rank - b.rank) || (a.created - b.created) || (a.id - b.id);
    }
    return (b.updated - a.updated) || (b.id - a.id);
  }

  function cards() {
    return Array.prototype.slice.call(list.querySelectorAll("li.queue-item"));
  }

  function parse(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = (html || "").trim();
    var card = tpl.content.firstElementChild;
    return card && card.classList.contains("queue-item") ? card : null;
  }

  function applyPreferences(card) {
    var text = card.querySelector("details[data-card-text]");
    if (keepCollapsed && text) {
      text.open = false;
      text.classList.add("blurred");
    }
    if (window.havenStaff) { window.havenStaff.refreshWaiting(card); }
  }

  function carryOver(oldCard, card) {
    // What the moderator chose stays as they left it: an opened text stays open, a closed one closed.
    var before = oldCard.querySelector("details[data-card-text]");
    var after = card.querySelector("details[data-card-text]");
    if (before && after) { after.open = before.open; }
    // ...and whatever was ticked or typed inside the card (a selection checkbox, a quick note) stays too.
    oldCard.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (field) {
      var twin = Array.prototype.filter.call(card.querySelectorAll("[name]"), function (other) {
        return other.name === field.name && other.tagName === field.tagName &&
          (field.type !== "checkbox" && field.type !== "radio" || other.value === field.value);
      })[0];
      if (!twin) { return; }
      if (field.type === "checkbox" || field.type === "radio") { twin.checked = field.checked; }
      else { twin.value = field.value; }
    });
    var focused = oldCard.contains(document.activeElement) ? document.activeElement : null;
    return focused ? (focused.tagName === "SUMMARY" ? "summary" : focused.tagName === "A" ? "a" : null) : null;
  }

  function place(card, key, skip) {
    // Insert `card` before the first card that sorts after it (ignoring `skip`, the card it replaces).
    var others = cards().filter(function (c) { return c !== skip; });
    for (var i = 0; i < others.length; i++) {
      if (compare(key, keyOf(others[i])) < 0) { list.insertBefore(card, others[i]); return; }
    }
    list.appendChild(card);
  }

  function where(key, skip) {
    var others = cards().filter(function (c) { return c !== skip; });
    if (!others.length) { return page === 1 ? "here" : "earlier"; }
    if (page > 1 && compare(key, keyOf(others[0])) < 0) { return "earlier"; }
    if (others.length >= perPage && compare(key, keyOf(others[others.length - 1])) > 0) { return "later"; }
    return "here";
  }

  function aboveViewport(card) {
    return card.getBoundingClientRect().bottom <= 0;
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function showCues() {
    above = above.filter(function (c) { return c.isConnected && aboveViewport(c); });
    if (above.length) {
      var urgent = above.filter(function (c) { return c.getAttribute("data-priority") === "urgent"; }).length;
      cueAbove.textContent = "\u2191 " + (urgent === above.length ? plural(urgent, "new urgent item")
                                                                   : plural(above.length, "new item") +
                                                                     (urgent ? " (" + urgent + " urgent)" : "")) + " above";
      cueAbove.hidden = false;
    } else {
      cueAbove.hidden = true;
    }
    if (elsewhere.count) {
      cueElsewhere.textContent = plural(elsewhere.count, "new item") + (elsewhere.urgent ? " (" + elsewhere.urgent +
        " urgent)" : "") + (filter.narrowed ? " since this page was loaded: reload to see whether " +
        (elsewhere.count === 1 ? "it matches" : "they match") + " these filters." :
        " outside this view: change or clear the filters, or open another page, to see " +
        (elsewhere.count === 1 ? "it" : "them") + ".");
      cueElsewhere.hidden = false;
    }
  }

  cueAbove.addEventListener("click", function () {
    var target = above.filter(function (c) { return c.isConnected; })
      .sort(function (a, b) { return compare(keyOf(a), keyOf(b)); })[0];
    above = [];
    cueAbove.hidden = true;
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
      target.classList.add("arrived");
    }
  });

  window.addEventListener("scroll", function () { if (above.length) { showCues(); } }, { passive: true });

  function setTotal(delta) {
    var total = document.getElementById("queue-total");
    var n = Math.max(0, parseInt(d.total || "0", 10) + delta);
    d.total = String(n);
    if (total) { total.textContent = total.textContent.replace(/^\d+ items?/, n + (n === 1 ? " item" : " items")); }
  }

  function setCounts(counts) {
    if (!counts) { return; }
    ["urgent", "high", "normal", "low"].forEach(function (name) {
      var badge = live.querySelector("[data-count='" + name + "']");
      if (badge && typeof counts[name] === "number") { badge.textContent = counts[name] + " " + name; }
    });
    var overdue = live.querySelector("[data-overdue-count]");
    if (overdue && typeof counts.overdue === "number") {
      overdue.setAttribute("data-overdue-count", counts.overdue);
      overdue.textContent = counts.overdue + " overdue";
    }
  }

  function leave(existing, item) {
    // No longer in this view (decided, claimed, re-ranked out of the filter). A card the moderator is reading
    // stays, marked; any other goes quietly.
    var text = existing.querySelector("details[data-card-text]");
    var reading = existing.contains(document.activeElement) || (text && text.open && text.classList.contains("blurred"));
    if (!reading) { existing.remove(); setTotal(-1); return; }
    existing.classList.add("gone");
    var note = existing.querySelector(".gone-note") || document.createElement("p");
    note.className = "gone-note";
    note.textContent = "No longer in this view: " + (item.status !== "open" ? "decided (" + (item.resolution || item.status) + ")"
      : item.claimed_by ? "claimed by " + item.claimed_by : "changed") + ".";
    existing.insertBefore(note, existing.firstChild);
  }

  socket.on("queue_item", function (data) {
    if (!data || !data.item) { return; }
    var item = data.item;
    setCounts(data.counts);
    var existing = list.querySelector("li.queue-item[data-item-id='" + item.id + "']");
    if (!matches(item)) {
      if (existing) { leave(existing, item); }
      else if (item.status === "open" && item.version === 1) {
        elsewhere.count += 1;
        if (item.priority === "urgent") { elsewhere.urgent += 1; }
        showCues();
      }
      return;
    }
    var card = parse(data.card);
    if (!card) { return; }
    applyPreferences(card);
    var key = keyOf(card);
    var spot = where(key, existing);
    if (existing) {
      var refocus = carryOver(existing, card);
      existing.classList.remove("gone");
      if (spot === "here") { place(card, key, existing); existing.remove(); }
      else { existing.replaceWith(card); }
      if (refocus) { var again = card.querySelector(refocus); if (again) { again.focus({ preventScroll: true }); } }
      return;
    }
    if (spot !== "here") {
      if (item.status === "open") {
        elsewhere.count += 1;
        if (item.priority === "urgent") { elsewhere.urgent += 1; }
        showCues();
      }
      return;
    }
    var empty = list.querySelector("[data-queue-empty]");
    if (empty) { empty.remove(); }
    place(card, key, null);
    setTotal(1);
    card.classList.add("arrived");
    if (aboveViewport(card)) { above.push(card); }
    showCues();
  });
})();
