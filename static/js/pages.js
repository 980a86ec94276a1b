// FAQ in-page filter: progressive enhancement (the FAQ is complete and usable without it).
(function () {
  "use strict";
  var box = document.querySelector("[data-faq-filter]");
  if (!box) { return; }
  var input = box.querySelector("input");
  var status = box.querySelector("[role=status]");
  var entries = Array.prototype.slice.call(document.querySelectorAll("[data-faq-entry]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("[data-faq-section]"));

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  entries.forEach(function (entry) { entry.dataset.text = fold(entry.textContent); });

  function apply() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    entries.forEach(function (entry) {
      var match = words.every(function (word) { return entry.dataset.text.indexOf(word) !== -1; });
      entry.hidden = !match;
      if (match) { shown += 1; }
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector("[data-faq-entry]:not([hidden])");
    });
    if (!words.length) {
      status.textContent = "";
    } else if (!shown) {
      status.textContent = status.dataset.emptyText;
    } else {
      status.textContent = status.dataset.countText + " " + shown;
    }
  }
  input.addEventListener("input", apply);
  box.hidden = false;
})();
