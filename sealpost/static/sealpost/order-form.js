// Progressive enhancement of the order form: recipient rows are added and removed in place,
// and the fee follows every change. Without this script the same buttons post the form and
// the server redraws it, keeping everything typed.
(function () {
  "use strict";
  var form = document.getElementById("order-form");
  if (!form) return;
  var schedule = JSON.parse(form.dataset.fees);
  var labels = document.getElementById("fee-labels").dataset;
  var documentNames = JSON.parse(labels.documents);
  var rows = document.getElementById("recipient-rows");
  var template = document.getElementById("recipient-template");
  var total = form.querySelector("[name=recipients-TOTAL_FORMS]");
  var addButton = document.getElementById("add-recipient");
  var prefix = "recipients-";

  function ntd(n) { return "NT$" + n.toLocaleString("en-US"); }

  // Said to screen readers without a page load (a role=status region, empty when the page opens).
  var status = document.getElementById("order-form-status");
  function announce(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function totalText() {
    return labels.total.replace("%(amount)s", document.getElementById("fee-total").textContent);
  }

  // The fee box stays in sight at the bottom of a large window (site.css): the page keeps the
  // focused field out from under it by scrolling that much less far (scroll-padding-bottom).
  var feeBox = document.getElementById("fee-box");
  if (feeBox && window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.setProperty("--fee-box-height", feeBox.offsetHeight + "px");
    }).observe(feeBox);
    // A textarea reveals its caret, not its whole box: lift any focused field still partly under it.
    form.addEventListener("focusin", function (event) {
      if (getComputedStyle(feeBox).position !== "sticky" || feeBox.contains(event.target)) return;
      var field = event.target.getBoundingClientRect();
      var box = feeBox.getBoundingClientRect();
      if (field.bottom > box.top && field.top < box.bottom) window.scrollBy(0, field.bottom - box.top + 16);
    });
  }

  function renumber() {
    var all = rows.querySelectorAll(".recipient-row");
    all.forEach(function (row, i) {
      row.dataset.index = i;
      row.querySelectorAll("[data-number]").forEach(function (el) {
        el.textContent = el.textContent.replace(/\d+|__position__/, i + 1);
      });
      [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (el) {
        ["name", "id", "for", "aria-labelledby", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(/recipients-(\d+|__prefix__)-/g, prefix + i + "-"));
        });
      });
      var charge = row.querySelector("[data-charge]");
      if (charge) charge.textContent = i < schedule.free_recipients ? labels.freeLabel : ntd(schedule.recipient_fee);
      var remove = row.querySelector(".remove-recipient");
      remove.value = "remove_recipient-" + i;
      remove.hidden = all.length === 1;
    });
    total.value = all.length;
    if (addButton) addButton.hidden = all.length >= schedule.max_recipients;
    updateFee();
  }

  function updateFee() {
    var body = document.getElementById("fee-lines");
    var sum = 0;
    body.textContent = "";
    form.querySelectorAll("input[name=documents]:checked").forEach(function (box) {
      var type = box.value.split(":")[0];
      var amount = schedule.documents[type] || 0;
      sum += amount;
      addLine(body, documentNames[box.value], amount);
    });
    var count = rows.querySelectorAll(".recipient-row").length;
    var extra = Math.max(0, count - schedule.free_recipients);
    if (extra) {
      var label = labels.extra.replace("%(first)d", schedule.free_recipients + 1)
        .replace("%(count)d", extra).replace("%(fee)d", schedule.recipient_fee);
      sum += extra * schedule.recipient_fee;
      addLine(body, label, extra * schedule.recipient_fee);
    }
    if (!body.children.length) {
      var tr = body.insertRow(); var td = tr.insertCell(); td.colSpan = 2; td.textContent = labels.empty;
    }
    document.getElementById("fee-total").textContent = ntd(sum);
  }

  function addLine(body, label, amount) {
    var tr = body.insertRow();
    tr.insertCell().textContent = label;
    var td = tr.insertCell(); td.className = "num"; td.textContent = ntd(amount);
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=action]");
    if (!button) return;
    if (button.value === "add_recipient") {
      event.preventDefault();
      var count = rows.querySelectorAll(".recipient-row").length;
      if (count >= schedule.max_recipients) return;
      var fragment = template.content.cloneNode(true);
      rows.appendChild(fragment);
      renumber();
      rows.lastElementChild.querySelector("input").focus();
      announce(labels.added.replace("%(n)s", count + 1) + " " + totalText());
    } else if (button.value.indexOf("remove_recipient-") === 0) {
      event.preventDefault();
      var row = button.closest(".recipient-row");
      var all = Array.prototype.slice.call(rows.querySelectorAll(".recipient-row"));
      if (all.length === 1) return;
      var index = all.indexOf(row);
      row.remove();
      renumber();
      // Focus stays where the row was: the next row's e-mail, else "Add a recipient", else the
      // row before (never the top of the page).
      var left = rows.querySelectorAll(".recipient-row");
      var next = left[index] ? left[index].querySelector("input") : (addButton && !addButton.hidden ? addButton : left[index - 1].querySelector("input"));
      next.focus();
      announce(labels.removed.replace("%(n)s", index + 1) + " " + totalText());
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "documents") {
      updateFee();
      announce(totalText());
    }
  });
  renumber();
})();
