// On every staff page: one Socket.IO connection to the staff room keeps the header badges (urgent queue items,
// unread member messages) and the page title ("(2) Moderation queue · Haven") current, refreshes the inbox list or
// an open conversation when a member writes, and makes sure a new crisis (intent) item never sits unseen: the Queue
// badge rings once (a still highlight under prefers-reduced-motion) and stays marked until the moderator has seen
// the item, a screen reader hears it, and, only if the moderator turned them on (/moderation/workspace), a soft
// chime and a browser notification that never contains the member's words. Also the moderation pages' heartbeat
// for the break reminder, and the "waiting 12 min" of each card kept current.
(function () {
  "use strict";
  if (typeof io === "undefined") { return; }
  var socket = io({ transports: ["websocket", "polling"] });
  window.havenStaffSocket = socket;  // queue.js listens on the same connection
  var body = document.body;
  var wantsSound = body.getAttribute("data-alert-sound") === "1";
  var wantsNotice = body.getAttribute("data-alert-notify") === "1";
  var UNSEEN = "haven.unseenUrgent", ALERTED = "haven.alertedUrgent";

  function stored(name) {
    try { return JSON.parse(window.localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }
  function store(name, ids) {
    try { window.localStorage.setItem(name, JSON.stringify(ids.slice(-200))); } catch (e) { /* private mode */ }
  }

  function setBadge(selector, count, extraClass, label) {
    var link = document.querySelector(selector);
    if (!link) { return null; }
    var badge = link.querySelector(".badge");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge" + (extraClass ? " " + extraClass : "");
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
      }
      badge.textContent = count;
      badge.setAttribute("aria-label", count + " " + label);
    } else if (badge) { badge.remove(); badge = null; }
    return badge;
  }

  function setTitle(urgent) {
    var bare = document.title.replace(/^\(\d+\)\s*/, "");
    document.title = (urgent > 0 ? "(" + urgent + ") " : "") + bare;
  }

  function markUnseen() {
    var link = document.querySelector("[data-urgent-badge]");
    if (!link) { return; }
    var unseen = stored(UNSEEN);
    link.classList.toggle("unseen", unseen.length > 0);
    if (unseen.length) { link.setAttribute("title", "New crisis item waiting: open the queue"); }
    else { link.removeAttribute("title"); }
  }

  function seen(id) {
    var unseen = stored(UNSEEN).filter(function (x) { return x !== id; });
    store(UNSEEN, unseen);
    markUnseen();
  }

  function ring() {
    var link = document.querySelector("[data-urgent-badge]");
    var badge = link && link.querySelector(".badge");
    if (!badge) { return; }
    badge.classList.remove("ring");
    void badge.offsetWidth;  // restart the animation
    badge.classList.add("ring");
    var done = function () { badge.classList.remove("ring"); };
    badge.addEventListener("animationend", done, { once: true });
    window.setTimeout(done, 3000);  // reduced motion: no animation, so no animationend
  }

  function announce(text) {
    var region = document.querySelector("[data-staff-announce]");
    if (region) { region.textContent = ""; window.setTimeout(function () { region.textContent = text; }, 50); }
  }

  function chime() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 660;
      gain.gain.value = 0.05;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* the browser may block sound until the page is clicked */ }
  }

  function notify(item) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var n = new Notification("Haven: a new urgent crisis item", {
        body: "Someone may be in danger now. Open the queue.", tag: "haven-urgent-" + item.id });
      n.onclick = function () { window.focus(); window.location.href = "/moderation/items/" + item.id; n.close(); };
    } catch (e) { /* notifications are a nicety */ }
  }

  function alertIntent(item) {
    var alerted = stored(ALERTED);
    if (alerted.indexOf(item.id) >= 0) { return; }
    alerted.push(item.id);
    store(ALERTED, alerted);
    var unseen = stored(UNSEEN);
    if (unseen.indexOf(item.id) < 0) { unseen.push(item.id); store(UNSEEN, unseen); }
    markUnseen();
    ring();
    announce("New urgent crisis item in the queue.");
    if (wantsSound) { chime(); }
    if (wantsNotice) { notify(item); }
  }

  socket.on("queue_item", function (data) {
    if (!data) { return; }
    if (data.counts) {
      setBadge("[data-urgent-badge]", data.counts.urgent, "urgent", "urgent");
      setTitle(data.counts.urgent);
    }
    var item = data.item;
    if (!item) { return; }
    if (item.status !== "open" || item.claimed_by) { seen(item.id); return; }  // decided, or someone is on it
    if (data.intent && !item.claimed_by) { alertIntent(item); }
  });

  socket.on("member_message", function (data) {
    if (!data) { return; }
    setBadge("[data-inbox-badge]", data.unread, "", "unread");
    var memberId = data.conversation && data.conversation.member ? String(data.conversation.member.id) : null;
    document.querySelectorAll("[data-live-refresh]").forEach(function (element) {
      var only = element.getAttribute("data-live-member");
      if (!only || only === memberId) { refresh(element); }
    });
  });

  function refresh(element) {
    fetch(element.getAttribute("data-live-refresh"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { element.innerHTML = html; } });
  }

  // --- seeing an unseen crisis item: its page, or its card scrolled into view -----------------------------------
  var itemPage = document.querySelector("[data-item-page]");
  if (itemPage) { seen(parseInt(itemPage.getAttribute("data-item-page"), 10)); }
  function watchCards() {
    if (!("IntersectionObserver" in window)) { return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          seen(parseInt(entry.target.getAttribute("data-item-id"), 10));
          observer.unobserve(entry.target);
        }
      });
    });
    var observe = function (root) {
      root.querySelectorAll("li.queue-item[data-intent]").forEach(function (c) { observer.observe(c); });
    };
    var list = document.querySelector("[data-queue-list]");
    if (!list) { return; }
    observe(list);
    new MutationObserver(function () { observe(list); }).observe(list, { childList: true });
  }
  watchCards();
  markUnseen();

  // --- "waiting 12 min", kept current --------------------------------------------------------------------------
  function waitingLabel(createdMs) {
    var minutes = Math.max(0, Math.floor((Date.now() - createdMs) / 60000));
    if (minutes < 1) { return "waiting under a minute"; }
    if (minutes < 60) { return "waiting " + minutes + " min"; }
    if (minutes < 48 * 60) { return "waiting " + Math.floor(minutes / 60) + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : ""); }
    return "waiting " + Math.floor(minutes / 1440) + " days";
  }
  function refreshWaiting(root) {
    (root || document).querySelectorAll("[data-why][data-created]").forEach(function (line) {
      var created = Date.parse(line.getAttribute("data-created"));
      if (!created) { return; }
      var last = line.lastChild;
      if (last && last.nodeType === 3) { last.textContent = last.textContent.replace(/waiting [^\u00b7]*$/, waitingLabel(created)); }
    });
  }
  window.havenStaff = { refreshWaiting: refreshWaiting };
  window.setInterval(function () { refreshWaiting(); }, 60000);

  // --- heartbeat for the break reminder (moderation pages only) -------------------------------------------------
  if (window.location.pathname.indexOf("/moderation/") !== 0) { return; }
  var lastUse = Date.now();
  ["pointerdown", "keydown", "scroll", "pointermove"].forEach(function (name) {
    window.addEventListener(name, function () { lastUse = Date.now(); }, { passive: true });
  });
  var token = document.querySelector("meta[name=csrf-token]");
  function beat() {
    if (document.visibilityState !== "visible" || Date.now() - lastUse > 5 * 60000) { return; }
    fetch("/moderation/activity", { method: "POST", credentials: "same-origin",
                                    headers: { "X-CSRFToken": token ? token.getAttribute("content") : "" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var reminder = document.querySelector("[data-break-reminder]");
        if (!data || !data.stretch || !reminder) { return; }
        var minutes = reminder.querySelector("[data-break-minutes]");
        if (minutes) { minutes.textContent = data.stretch.minutes; }
        if (data.stretch.break_due && reminder.hidden) { reminder.hidden = false; }
      })
      .catch(function () { /* offline for a moment: the next beat tries again */ });
  }
  window.setInterval(beat, 2 * 60000);
})();
