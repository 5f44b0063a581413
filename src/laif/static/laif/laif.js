/* L-AIF: small progressive enhancements on top of htmx (the pages work without JavaScript). */
(function () {
  "use strict";

  function showError(text) {
    var main = document.getElementById("main");
    if (!main) { return; }
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "htmx-error";
      box.className = "notice notice-error";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    var text = document.body.getAttribute("data-htmx-error") || "Error";
    showError(text + (status ? " (HTTP " + status + ")" : ""));
  });
  document.addEventListener("htmx:sendError", function () {
    showError(document.body.getAttribute("data-htmx-offline") || "Network error");
  });

  /* A copy button next to a secret shown once (data-copy names the field); without
     JavaScript it stays hidden and the field is selected and copied by hand. */
  function copyButtons() {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      var status = document.getElementById(button.id + "-status");
      if (!field) { return; }
      button.hidden = false;
      function say(key) {
        if (status) { status.textContent = status.getAttribute(key) || ""; }
      }
      button.addEventListener("click", function () {
        field.focus();
        field.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(function () { say("data-copied"); },
            function () { say("data-failed"); });
        } else {
          say(document.execCommand && document.execCommand("copy") ? "data-copied" : "data-failed");
        }
      });
    });
  }

  /* A table wider than the screen scrolls in its .table-wrap: that box then takes the keyboard
     focus (arrow keys scroll it) and is named after the table, as WCAG 2.1.1 asks. */
  function scrollableTables() {
    var boxes = document.querySelectorAll(".table-wrap");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          var caption = box.querySelector("caption");
          var section = box.closest("section");
          var heading = section ? section.querySelector("h1, h2, h3") : null;
          var name = (caption || heading || document.querySelector("h1") || {}).textContent;
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          if (name && !box.hasAttribute("aria-label")) {
            box.setAttribute("aria-label", name.trim().replace(/\s+/g, " "));
          }
          box.setAttribute("data-scrolls", "");
        }
      } else if (box.hasAttribute("data-scrolls")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("data-scrolls");
      }
    });
  }

  function ready() {
    copyButtons();
    scrollableTables();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(scrollableTables, 150);
  });
  document.addEventListener("htmx:afterSettle", scrollableTables);
})();
