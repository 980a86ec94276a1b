// Question templates per topic (docs/qa.md): ticking a topic that has a body template puts
// it in « Détails » while the body is empty or still holds the previous template (never over
// the member's own text), shows the topic's guide, and « Vider le modèle » empties the body.
// Templates are set as the textarea's value: plain text, never HTML. Without JavaScript,
// /questions/poser/?sujet=<slug> pre-fills the same way and « Vider le modèle » re-shows the
// form with an empty body.
(function () {
  "use strict";
  var data = document.getElementById("qa-topic-templates");
  var body = document.getElementById("id_body");
  var form = body && body.form;
  if (!data || !body || !form) {
    return;
  }
  var templates = JSON.parse(data.textContent);
  var clear = form.querySelector("[data-clear-template]");

  function normal(text) {
    return text.replace(/\r\n/g, "\n").trim();
  }

  function isTemplate(text) {
    var value = normal(text);
    return (
      value !== "" &&
      Object.keys(templates).some(function (pk) {
        return normal(templates[pk]) === value;
      })
    );
  }

  function checkedTopics() {
    return Array.prototype.map.call(
      form.querySelectorAll("input[name=topics]:checked"),
      function (box) {
        return box.value;
      },
    );
  }

  function currentTemplate() {
    var chosen = checkedTopics().filter(function (pk) {
      return templates[pk];
    });
    return chosen.length ? templates[chosen[0]] : "";
  }

  function refresh() {
    var chosen = checkedTopics();
    form.querySelectorAll("[data-topic-guide]").forEach(function (guide) {
      guide.hidden = chosen.indexOf(guide.getAttribute("data-topic-guide")) === -1;
    });
    if (clear) {
      clear.hidden = !isTemplate(body.value);
    }
  }

  form.addEventListener("change", function (event) {
    if (!event.target || event.target.name !== "topics") {
      return;
    }
    if (normal(body.value) === "" || isTemplate(body.value)) {
      body.value = currentTemplate();
      body.dispatchEvent(new Event("input", { bubbles: true }));
    }
    refresh();
  });
  body.addEventListener("input", refresh);
  if (clear) {
    clear.addEventListener("click", function (event) {
      event.preventDefault();
      body.value = "";
      body.dispatchEvent(new Event("input", { bubbles: true }));
      refresh();
      body.focus();
    });
  }
})();
