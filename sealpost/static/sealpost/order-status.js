// The applicant's order page follows its order while it moves by itself (paid and being issued,
// issued and being e-mailed, being uploaded to WES): every few seconds it asks the order's
// status endpoint (portal:order_status, JSON). When what the page shows has changed, it loads
// the page again, unless the person is busy with one of its forms (then only the status region
// is replaced: it is aria-live="polite", so screen readers read the news). It stops once the
// order no longer moves by itself, after half an hour, and pauses while the tab is hidden.
// Without this script the page is the same, and reloading it shows the news.
(function () {
  "use strict";
  var region = document.getElementById("order-progress");
  if (!region || !window.fetch) return;
  var url = region.getAttribute("data-status-url");
  var state = region.getAttribute("data-state");
  if (!url || region.getAttribute("data-in-progress") !== "true") return;

  var INTERVAL = 4000;
  var GIVE_UP = Date.now() + 30 * 60 * 1000;
  var timer = null;
  var asking = false;
  var stopped = false;

  function busy() {
    var active = document.activeElement;
    if (active && active.form) return true;
    var fields = document.querySelectorAll("main input, main textarea, main select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if ((field.type === "checkbox" || field.type === "radio") ? field.checked !== field.defaultChecked
          : (field.value !== field.defaultValue && field.type !== "hidden")) {
        return true;
      }
    }
    return false;
  }

  function schedule() {
    if (stopped || timer !== null || asking) return;
    if (Date.now() < GIVE_UP) timer = window.setTimeout(ask, INTERVAL);
  }

  function show(data) {
    if (data.state === state) return;
    state = data.state;
    if (!busy()) {
      window.location.reload();
      return;
    }
    region.innerHTML = data.html;
  }

  function ask() {
    timer = null;
    if (document.hidden) return; // asked again when the tab is shown
    asking = true;
    window.fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        asking = false;
        if (data) {
          show(data);
          if (!data.in_progress) stopped = true;
        }
        schedule();
      })
      .catch(function () { asking = false; schedule(); });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) schedule();
  });
  schedule();
})();
