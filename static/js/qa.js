// Q&A enhancements. Everything works without this file: the server refuses a second
// submission of the same form (one-time token); this only spares the member a double click.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-qa-once")) {
      return;
    }
    var submitter = event.submitter;
    // "Prévisualiser" may be pressed as often as wanted.
    if (submitter && submitter.name === "preview") {
      return;
    }
    if (form.getAttribute("data-qa-sent") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-qa-sent", "1");
    if (submitter) {
      submitter.setAttribute("aria-disabled", "true");
    }
  });
})();
