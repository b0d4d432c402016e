// On every staff page: one Socket.IO connection to the staff room keeps the header badges (urgent queue items,
// unread member messages) current, and refreshes the inbox list or an open conversation when a member writes.
(function () {
  "use strict";
  if (typeof io === "undefined") { return; }
  var socket = io({ transports: ["websocket", "polling"] });
  window.havenStaffSocket = socket;  // queue.js listens on the same connection

  function setBadge(selector, count, extraClass, label) {
    var link = document.querySelector(selector);
    if (!link) { return; }
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
    } else if (badge) { badge.remove(); }
  }

  function refresh(element) {
    fetch(element.getAttribute("data-live-refresh"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { element.innerHTML = html; } });
  }

  socket.on("queue_item", function (data) {
    if (data && data.counts) { setBadge("[data-urgent-badge]", data.counts.urgent, "urgent", "urgent"); }
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
})();
