// Progressive enhancement only: every action works without JavaScript.
(function () {
  "use strict";
  // Move focus to the first form error summary so screen-reader users hear it at once.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  });
})();
