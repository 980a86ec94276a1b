// @mentions in the post editors (docs/qa.md « @mentions »). Without this file a member can
// still type the syntax by hand, `@[Prénom Nom](personne:42)`; with it, typing « @Dup » in a
// textarea marked `data-mention-url` offers the matching directory people in a listbox.
//
// The textarea keeps its native role (ARIA in HTML allows no other role on a textarea, so
// role="combobox" would be invalid there): it is a textbox with aria-autocomplete="list",
// aria-controls naming the listbox and aria-activedescendant naming the highlighted option,
// which is the ARIA 1.2 combobox pattern less the role. A live region says how many people
// were found, and which mention was inserted. Keys, while the list is open: arrows move,
// Enter or Tab insert, Escape closes; everything else goes to the textarea.
(function () {
  "use strict";

  // « @ » at the start or after a space or punctuation, then up to three words of a name.
  var TRIGGER = /(^|[^\w@\]])@([^\s@\[\]()]{2,40}(?: [^\s@\[\]()]{1,40}){0,2})$/;
  var DELAY = 250;
  var counter = 0;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) {
      return values[name];
    });
  }

  function setup(textarea) {
    counter += 1;
    var id = "mention-list-" + counter;
    var list = document.createElement("ul");
    list.id = id;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", textarea.getAttribute("data-mention-label"));
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    textarea.insertAdjacentElement("afterend", status);
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", id);

    var people = [];
    var active = -1;
    var match = null;
    var timer = null;
    var request = 0;

    function announce(text) {
      status.textContent = text;
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      people = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, position) {
        option.setAttribute("aria-selected", position === index ? "true" : "false");
      });
      if (index >= 0) {
        textarea.setAttribute("aria-activedescendant", id + "-" + index);
        list.children[index].scrollIntoView({ block: "nearest" });
      }
    }

    function insert(person) {
      var value = textarea.value;
      var text = "@[" + person.name.replace(/[\[\]\n]/g, " ") + "](personne:" + person.id + ") ";
      var before = value.slice(0, match.start) + text;
      textarea.value = before + value.slice(match.end);
      textarea.setSelectionRange(before.length, before.length);
      close();
      announce(format(textarea.getAttribute("data-mention-inserted"), { name: person.name }));
    }

    function show(results) {
      close();
      people = results;
      if (!people.length) {
        announce(textarea.getAttribute("data-mention-none"));
        return;
      }
      people.forEach(function (person, index) {
        var option = document.createElement("li");
        option.id = id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = person.name;
        if (person.detail) {
          var detail = document.createElement("span");
          detail.className = "muted";
          detail.textContent = " — " + person.detail;
          option.appendChild(detail);
        }
        // mousedown, not click: the textarea keeps the focus and the caret.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          insert(person);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      highlight(0);
      announce(format(textarea.getAttribute("data-mention-found"), { count: people.length }));
    }

    function lookup() {
      var caret = textarea.selectionStart;
      if (caret !== textarea.selectionEnd) {
        close();
        return;
      }
      var found = TRIGGER.exec(textarea.value.slice(0, caret));
      if (!found) {
        match = null;
        close();
        return;
      }
      match = { start: caret - found[2].length - 1, end: caret };
      var query = found[2];
      var ticket = ++request;
      var url = textarea.getAttribute("data-mention-url") + "?q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (ticket === request && match) {
            show(data.results || []);
          }
        })
        .catch(close);
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, DELAY);
    });
    textarea.addEventListener("blur", close);
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden || !people.length) {
        return;
      }
      if (event.key === "ArrowDown") {
        highlight((active + 1) % people.length);
      } else if (event.key === "ArrowUp") {
        highlight((active - 1 + people.length) % people.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        insert(people[Math.max(active, 0)]);
      } else if (event.key === "Escape") {
        request += 1;
        close();
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  document.querySelectorAll("textarea[data-mention-url]").forEach(setup);
})();
