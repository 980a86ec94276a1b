// Drafts (docs/qa.md, « Brouillons »): every few seconds, a form marked data-draft-autosave
// that changed since its last save is posted in the background with « save_draft », as the
// « Enregistrer le brouillon » button does without JavaScript; the server answers JSON and
// the polite status line says « Brouillon enregistré à 14 h 32. ». Attachments are never
// sent with a draft. Publishing stops the saving, so a late save cannot bring a draft back.
(function () {
  "use strict";
  var INTERVAL = 5000;
  var SKIPPED = ["csrfmiddlewaretoken", "submission_token", "attachments", "save_draft"];

  function snapshot(form) {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (SKIPPED.indexOf(name) === -1 && typeof value === "string") {
        parts.push(name + "=" + value);
      }
    });
    return parts.join("\u0000");
  }

  function payload(form) {
    var data = new FormData(form);
    data.delete("attachments");
    data.set("save_draft", "1");
    return data;
  }

  function setup(form) {
    var status = form.querySelector("[data-draft-status]");
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    var saved = snapshot(form);
    var busy = false;
    var stopped = false;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function save(force) {
      var current = snapshot(form);
      if (stopped || busy || (!force && current === saved)) {
        return;
      }
      busy = true;
      fetch(form.action, {
        method: "POST",
        body: payload(form),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            if (response.ok && answer.saved) {
              saved = current;
            }
            say(answer.message);
          });
        })
        .catch(function () {
          say(status ? status.getAttribute("data-failed") : "");
        })
        .then(function () {
          busy = false;
        });
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[name=save_draft]");
      if (button) {
        event.preventDefault();
        save(true);
      }
    });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || submitter.name === "publish" || !submitter.name) {
        stopped = true;
      }
    });
    window.setInterval(function () {
      save(false);
    }, INTERVAL);
  }

  document.querySelectorAll("form[data-draft-autosave]").forEach(setup);
})();
