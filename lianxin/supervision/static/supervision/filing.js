// A declaration's sections take any number of rows on the page itself: "Add a row" copies the
// section's empty form (Django's formset `empty_form`, kept in a <template>) under the next
// index and raises TOTAL_FORMS, so that a second family member needs no draft saved first.
// The count beside each section's title follows the rows that hold something.
(function () {
  "use strict";

  function changed(row) {
    if (row.hasAttribute("data-row")) return true;
    return Array.prototype.some.call(row.querySelectorAll("input, select, textarea"), function (el) {
      if (el.type === "hidden" || el.name.endsWith("-DELETE")) return false;
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }

  function recount(section) {
    var n = 0;
    section.querySelectorAll(".filing-rows > .filing-row").forEach(function (row) {
      var remove = row.querySelector("input[name$='-DELETE']");
      if (changed(row) && !(remove && remove.checked)) n += 1;
    });
    section.querySelector(".row-count").textContent = n;
  }

  function setUp(section) {
    var total = section.querySelector("input[name$='-TOTAL_FORMS']");
    var template = section.querySelector("template.empty-row");
    var button = section.querySelector(".add-row");
    var max = parseInt(section.getAttribute("data-max"), 10) || 1000;
    var rows = section.querySelector(".filing-rows");
    function full() { return parseInt(total.value, 10) >= max; }
    button.hidden = full();
    button.addEventListener("click", function () {
      if (full()) return;
      var index = total.value;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, index);
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = parseInt(index, 10) + 1;
      button.hidden = full();
      var first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
      if (first) first.focus();
    });
    section.addEventListener("input", function () { recount(section); });
    section.addEventListener("change", function () { recount(section); });
  }

  document.querySelectorAll("details.filing-section").forEach(setUp);
})();
