// On every signed-in page: the header's Notifications badge follows the `notification` and `notifications_read`
// events on the member's own Socket.IO room (the page works without this; the badge is then current on each load).
(function () {
  "use strict";
  if (typeof io === "undefined") { return; }
  var socket = window.havenStaffSocket || io({ transports: ["websocket", "polling"] });
  window.havenMemberSocket = socket;

  function setBadge(count) {
    var link = document.querySelector("[data-notification-badge]");
    if (!link) { return; }
    var badge = link.querySelector(".badge");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
      }
      badge.textContent = count;
      badge.setAttribute("aria-label", count + " unread notifications");
    } else if (badge) { badge.remove(); }
  }

  socket.on("notification", function (data) {
    if (!data) { return; }
    setBadge(data.unread);
    var live = document.querySelector("[data-notification-live]");
    if (live && data.notification) {
      live.textContent = "";
      var link = document.createElement("a");
      link.href = data.notification.url;
      link.textContent = data.notification.text;
      live.appendChild(link);
      live.classList.add("shown");
      clearTimeout(live.havenTimer);  // the badge stays; the note goes after a while
      live.havenTimer = setTimeout(function () { live.classList.remove("shown"); live.textContent = ""; }, 12000);
    }
  });
  socket.on("notifications_read", function (data) { if (data) { setBadge(data.unread); } });
})();
