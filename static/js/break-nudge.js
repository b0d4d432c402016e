// The late-night break nudge: after BREAK_NUDGE_MINUTES of continuous reading or chat during the night hours of the
// member's own time zone (this browser's clock), a gentle line suggests a rest. "Continuous": page views and
// activity (typing, scrolling, tapping) with no gap longer than 15 minutes; a longer gap starts a new stretch.
// Kept in sessionStorage, so it follows the member across pages of this tab and forgets when the tab closes.
(function () {
  "use strict";
  var body = document.body;
  var minutes = parseInt(body.getAttribute("data-break-nudge"), 10);
  var hours = (body.getAttribute("data-break-hours") || "23-5").split("-").map(function (h) { return parseInt(h, 10); });
  var box = document.getElementById("break-nudge");
  if (!minutes || !box || hours.length !== 2 || isNaN(hours[0]) || isNaN(hours[1])) { return; }
  var GAP = 15 * 60 * 1000, AGAIN = 30 * 60 * 1000, KEY = "haven.breakNudge";

  function load() {
    try { return JSON.parse(window.sessionStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save(state) {
    try { window.sessionStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: no nudge */ }
  }
  function isNight(date) {
    var h = date.getHours();
    return hours[0] > hours[1] ? (h >= hours[0] || h < hours[1]) : (h >= hours[0] && h < hours[1]);
  }
  function touch() {
    var now = Date.now(), state = load();
    if (!state.start || !state.last || now - state.last > GAP) { state.start = now; }
    state.last = now;
    save(state);
    return state;
  }
  function check() {
    var now = Date.now(), state = touch();
    var due = now - state.start >= minutes * 60 * 1000 && (!state.dismissed || now - state.dismissed >= AGAIN);
    box.hidden = !(due && isNight(new Date(now)));
  }
  var button = box.querySelector("[data-dismiss-nudge]");
  if (button) {
    button.addEventListener("click", function () {
      var state = load();
      state.dismissed = Date.now();
      save(state);
      box.hidden = true;
    });
  }
  ["keydown", "scroll", "pointerdown"].forEach(function (name) {
    window.addEventListener(name, function () { var s = load(); if (s.last && Date.now() - s.last > 60000) { touch(); } },
                            { passive: true });
  });
  check();
  window.setInterval(check, 60 * 1000);
}());
