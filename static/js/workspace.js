// The workspace page: turning on browser notifications asks the browser's permission once, and says what it answered.
(function () {
  "use strict";
  var box = document.querySelector("[data-ask-notifications]");
  var state = document.querySelector("[data-notification-state]");
  if (!box || !state) { return; }
  function say() {
    if (!("Notification" in window)) { state.textContent = "This browser cannot show notifications."; return; }
    state.textContent = {
      granted: "This browser may show Haven's notifications.",
      denied: "This browser blocks Haven's notifications: allow them in the site settings to use this.",
      "default": "Your browser asks once whether this site may show notifications."
    }[Notification.permission] || "";
  }
  box.addEventListener("change", function () {
    if (box.checked && "Notification" in window && Notification.permission === "default") {
      Notification.requestPermission().then(say, say);
    }
  });
  say();
})();
