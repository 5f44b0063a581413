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
})();
