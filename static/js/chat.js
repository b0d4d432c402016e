// Chat room page: live messages over Socket.IO, "load earlier" history, who is here. No inline script (strict CSP).
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || typeof io === "undefined") { return; }
  var slug = root.getAttribute("data-room");
  var isStaff = root.getAttribute("data-staff") === "true";
  var log = document.getElementById("chat-log");
  var status = document.getElementById("chat-status");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var earlier = document.getElementById("chat-earlier");
  var crisis = document.getElementById("chat-crisis");
  var socket = io({ transports: ["websocket", "polling"] });

  function say(text) { status.textContent = text; }

  function item(m, held) {
    var li = document.getElementById("msg-" + m.id) || document.createElement("li");
    li.id = "msg-" + m.id;
    li.setAttribute("data-id", m.id);
    li.className = "chat-msg " + (held ? "held" : "published");
    li.textContent = "";
    var who = document.createElement("span"); who.className = "chat-author"; who.textContent = m.author;
    var when = document.createElement("time"); when.setAttribute("datetime", m.created_at || "");
    when.textContent = (m.created_at || "").slice(11, 16);
    li.appendChild(who);
    if (m.author_verification) { // what Haven's admins verified (a professional), never a staff role
      var v = document.createElement("span"); v.className = "verified-badge"; v.title = m.author_verification.text;
      v.textContent = "\u2713 Verified: " + m.author_verification.label; li.appendChild(v);
    }
    li.appendChild(document.createTextNode(" ")); li.appendChild(when);
    if (held) { var b = document.createElement("span"); b.className = "badge"; b.textContent = "held for review"; li.appendChild(b); }
    var body = document.createElement("div"); body.className = "chat-body";
    body.innerHTML = m.html; // server-rendered and sanitised (nh3 allow-list)
    if (m.filtered) { // one of this member's muted words: collapsed, never dropped (the server decides)
      var box = document.createElement("details"); box.className = "filtered";
      var sum = document.createElement("summary"); sum.textContent = "Hidden by your filters — show";
      box.appendChild(sum); box.appendChild(body); li.appendChild(box);
    } else { li.appendChild(body); }
    if (isStaff) { addModTools(li, m); }
    return li;
  }

  function addModTools(li, m) {
    var rm = document.createElement("button"); rm.type = "button"; rm.className = "link"; rm.textContent = "Remove";
    rm.addEventListener("click", function () { socket.emit("remove", { id: Number(m.id) }); });
    var mute = document.createElement("button"); mute.type = "button"; mute.className = "link"; mute.textContent = "Mute 30 min";
    mute.addEventListener("click", function () { socket.emit("mute", { room: slug, handle: m.author, minutes: 30 }); });
    li.appendChild(rm); li.appendChild(mute);
  }

  function append(m, held) {
    var atBottom = window.innerHeight + window.scrollY >= document.body.offsetHeight - 40;
    log.appendChild(item(m, held));
    if (atBottom) { window.scrollTo(0, document.body.scrollHeight); }
  }

  socket.on("connect", function () { say("Connected."); socket.emit("join", { room: slug }); });
  socket.on("disconnect", function () { say("Disconnected. Reconnecting…"); });
  socket.on("connect_error", function () { say("Cannot connect right now. Retrying…"); });
  socket.on("joined", function () { say("You're in the room."); });
  socket.on("message", function (m) { if (m.room === slug) { append(m, false); } });
  socket.on("held", function (m) { if (m.room === slug) { append(m, true); } });
  socket.on("removed", function (m) { var li = document.getElementById("msg-" + m.id); if (li) { li.remove(); } });
  socket.on("muted", function (d) { if (d.room === slug) { say("A moderator has paused your messages here until " + d.until.slice(11, 16) + " UTC."); } });
  socket.on("error", function (e) {
    say(e && e.message ? e.message : "Something went wrong.");
    if (e && e.appeal_url) { // a removed message offers the same appeal as a removed post
      var a = document.createElement("a"); a.href = e.appeal_url; a.textContent = "Appeal this decision";
      status.appendChild(document.createTextNode(" ")); status.appendChild(a);
    }
  });
  socket.on("presence", function (p) {
    if (p.room !== slug) { return; }
    var list = document.getElementById("chat-members"); list.textContent = "";
    p.members.forEach(function (h) { var li = document.createElement("li"); li.textContent = h; list.appendChild(li); });
    document.getElementById("chat-count").textContent = p.members.length;
  });
  socket.on("crisis_resources", function (d) {
    // The panel comes rendered by the server (the same macro as the forum's held screen) and sanitised there.
    if (d && d.html) {
      crisis.innerHTML = d.html;
    } else {
      crisis.textContent = "";
      var p = document.createElement("p");
      p.textContent = "You matter. Your message is with our moderators; help is here right now. ";
      var a = document.createElement("a"); a.href = "/help"; a.textContent = "Phone numbers and more ways to get help";
      p.appendChild(a); crisis.appendChild(p);
    }
    crisis.hidden = false;
    crisis.scrollIntoView({ behavior: "smooth", block: "center" });
  });

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = input.value.trim();
      if (!body) { return; }
      socket.emit("send", { room: slug, body: body });
      input.value = "";
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
    });
  }

  if (isStaff) {
    Array.prototype.forEach.call(log.querySelectorAll("li[data-id]"), function (li) {
      addModTools(li, { id: li.getAttribute("data-id"), author: li.querySelector(".chat-author").textContent });
    });
  }

  if (earlier) {
    earlier.addEventListener("click", function () {
      var before = root.getAttribute("data-before");
      if (!before) { return; }
      fetch(root.getAttribute("data-history-url") + "?before=" + encodeURIComponent(before), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (page) {
          if (!page) { return; }
          var first = log.firstChild;
          page.messages.forEach(function (m) { log.insertBefore(item(m, m.status === "held"), first); });
          root.setAttribute("data-before", page.before || "");
          earlier.hidden = !page.before;
        });
    });
  }
})();
