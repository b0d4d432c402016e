// Moderation queue: live updates from the staff Socket.IO room, without reloading the page.
(function () {
  "use strict";
  var live = document.getElementById("queue-live");
  if (!live || (typeof io === "undefined" && !window.havenStaffSocket)) { return; }
  // staff.js (on every staff page) already holds the staff room's connection, and keeps the header badges current.
  var socket = window.havenStaffSocket || io({ transports: ["websocket", "polling"] });

  function chime() {
    // A short, soft tone for a new urgent item (no audio file needed). Browsers may block it until a click.
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 660;
      gain.gain.value = 0.05;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* sound is a nicety */ }
  }

  function refresh() {
    fetch(live.getAttribute("data-queue-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { live.innerHTML = html; } });
  }

  socket.on("queue_item", function (data) {
    if (data && data.item && data.item.priority === "urgent" && data.item.status === "open") { chime(); }
    refresh();
  });
})();
