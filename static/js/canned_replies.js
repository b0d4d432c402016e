// Canned replies: picking one fills the message box in place (the "Use" button reloads the page without JS).
// The moderator edits the text before sending; text already typed is replaced only after asking.
(function () {
  document.querySelectorAll("form.canned-picker").forEach(function (picker) {
    var box = document.getElementById(picker.getAttribute("data-canned-target"));
    var select = picker.querySelector("select");
    if (!box || !select) { return; }
    function fill() {
      var option = select.options[select.selectedIndex];
      var body = option ? option.getAttribute("data-body") : null;
      if (!body) { return false; }
      if (box.value.trim() && box.value !== body && !window.confirm("Replace what you have written with this reply?")) {
        return false;
      }
      box.value = body;
      box.focus();
      return true;
    }
    picker.addEventListener("submit", function (event) { event.preventDefault(); fill(); });
    select.addEventListener("change", fill);
  });
})();
