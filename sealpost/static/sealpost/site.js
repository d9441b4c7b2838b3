// Every page: after a form came back with errors, focus moves to the summary of the errors at the
// top (includes/error_summary.html), so that a keyboard or screen reader user starts there; its
// links lead to the fields. Without this script the summary is still the first thing in the page.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      // A link to a field: focus the field itself (a link to an id only scrolls in some browsers).
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (field && typeof field.focus === "function") {
        event.preventDefault();
        field.focus();
        field.scrollIntoView({ block: "center" });
      }
    });
  }
})();
