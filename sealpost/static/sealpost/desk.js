// The desk's work queue: a "select all" box for the page and a count of the ticked orders.
// Without this script each order is still ticked by hand and the bulk form posts the same way.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = document.getElementById("select-all");
  var count = document.getElementById("bulk-count");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input.select-order"));

  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    if (count) {
      count.textContent = ticked ? count.dataset.some.replace("%(n)s", ticked) : count.dataset.none;
    }
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  if (all && boxes.length) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
