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
    // "Prévisualiser" and "Rechercher" (a person) may be pressed as often as wanted.
    if (submitter && (submitter.name === "preview" || submitter.name === "person_search")) {
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

// Person chooser of the ask form: with htmx loaded, Enter in the search field and the
// "Rechercher" button refresh the matches in place instead of re-sending the whole form
// (which is what they do without JavaScript).
(function () {
  "use strict";
  function search(input) {
    input.dispatchEvent(new CustomEvent("qa-person-search", { bubbles: true }));
  }
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !window.htmx || !input || input.id !== "id_person_query") {
      return;
    }
    event.preventDefault();
    search(input);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[name=person_search]");
    var input = document.getElementById("id_person_query");
    if (!button || !window.htmx || !input) {
      return;
    }
    event.preventDefault();
    search(input);
    input.focus();
  });
})();
