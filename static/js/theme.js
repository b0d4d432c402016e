/* Light or dark: the system's choice (prefers-color-scheme) unless chosen with the header switch. The choice is
   kept in this browser (localStorage) and, for a signed-in member, in their settings (the server then renders it
   into <html data-theme>, so it follows them to other devices). Loaded in <head> so the page never flashes. */
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "haven-theme";
  // When static/css/dark.css applies (base.html links it): the member's choice, else the system's.
  var MEDIA = {dark: "all", light: "not all"};
  function stored() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function remember(value) { try { localStorage.setItem(KEY, value); } catch (e) { /* private mode: fine */ } }
  function apply(theme) {
    root.setAttribute("data-theme", theme);
    var sheet = document.querySelector("link[data-theme-sheet]");
    if (sheet) { sheet.media = MEDIA[theme] || "(prefers-color-scheme: dark)"; }
  }
  if (root.getAttribute("data-theme-source") === "member") {
    remember(root.getAttribute("data-theme"));  // the member's setting wins, and is remembered when signed out
  } else if (stored() === "light" || stored() === "dark") {
    apply(stored());
  }
  function isDark() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "dark" || chosen === "light") { return chosen === "dark"; }
    return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  }
  function label(button) { button.textContent = isDark() ? "Light mode" : "Dark mode"; }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) { return; }
    button.hidden = false;
    label(button);
    button.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      apply(next);
      remember(next);
      label(button);
      var save = document.querySelector('meta[name="theme-save"]');
      if (save) {
        var body = new FormData();
        body.append("theme", next);
        body.append("csrf_token", save.getAttribute("data-csrf"));
        fetch(save.getAttribute("content"), {method: "POST", body: body, credentials: "same-origin"});
      }
    });
  });
}());
