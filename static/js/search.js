// Similar questions while a title is typed (progressive enhancement; the form works without).
// Markup: <input data-similar-url="/recherche/similaires/" data-similar-target="ID">
//         <div id="ID" class="similar-questions" hidden data-heading="…" aria-live="polite"></div>
(function () {
  "use strict";
  var DELAY = 300;
  var MIN_WORDS = 3;

  function words(text) {
    return text.split(/[\s'’"]+/).filter(function (w) { return w.length > 0; });
  }

  function render(target, results) {
    target.textContent = "";
    if (!results.length) {
      target.hidden = true;
      return;
    }
    var heading = document.createElement("p");
    heading.className = "similar-questions__heading";
    heading.textContent = target.getAttribute("data-heading") || "";
    var list = document.createElement("ul");
    results.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      li.appendChild(link);
      list.appendChild(li);
    });
    target.appendChild(heading);
    target.appendChild(list);
    target.hidden = false;
  }

  function enhance(input) {
    var target = document.getElementById(input.getAttribute("data-similar-target"));
    if (!target) { return; }
    var timer = null;
    var last = "";
    var controller = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (words(text).length < MIN_WORDS) { render(target, []); last = ""; return; }
        if (text === last) { return; }
        last = text;
        if (controller) { controller.abort(); }
        controller = new AbortController();
        var url = input.getAttribute("data-similar-url") + "?titre=" + encodeURIComponent(text);
        fetch(url, { headers: { "Accept": "application/json" }, signal: controller.signal, credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { render(target, data.results || []); })
          .catch(function () { /* aborted or offline: keep what is shown */ });
      }, DELAY);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-similar-url], textarea[data-similar-url]").forEach(enhance);
  });
})();
