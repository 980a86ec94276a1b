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

  // Ten minutes before the session ends, say so (role="alert") and offer « Rester connecté »,
  // which renews it without leaving the page: nothing typed is lost (website/sessions.py).
  var warning = document.querySelector(".session-warning");
  if (warning && window.fetch) {
    var WARN_BEFORE = 10 * 60 * 1000;
    var message = warning.querySelector("[data-session-message]");
    var form = warning.querySelector("form");
    var timer = null;
    var schedule = function (secondsLeft) {
      clearTimeout(timer);
      var left = Number(secondsLeft) * 1000;
      var expires = Date.now() + left;
      // setTimeout holds at most 2^31 - 1 ms (24 days); a session lasts two weeks.
      timer = setTimeout(function () {
        var at = new Date(expires).toLocaleTimeString(document.documentElement.lang, {
          hour: "2-digit", minute: "2-digit"
        });
        message.textContent = message.dataset.template.replace("{heure}", at);
        warning.hidden = false;
      }, Math.max(0, Math.min(left - WARN_BEFORE, 2147483647)));
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (data) {
        warning.hidden = true;
        message.textContent = "";
        schedule(data.seconds_left);
      }).catch(function () {
        form.submit();
      });
    });
    schedule(warning.dataset.sessionSecondsLeft);
  }
})();
