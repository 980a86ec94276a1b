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

  // The header's menu is a <details>, closed on a phone. From 60rem on, the stylesheet shows
  // its links without the button; open it there too, so assistive technologies (which skip
  // the inside of a closed <details>) find the links the eye sees. Back on a narrow window,
  // it starts closed again.
  var menu = document.querySelector(".site-menu");
  if (menu && window.CSS && CSS.supports("selector(::details-content)")) {
    var wide = window.matchMedia("(min-width: 60rem)");
    var follow = function () {
      menu.open = wide.matches;
    };
    follow();
    wide.addEventListener("change", follow);
  }
})();
