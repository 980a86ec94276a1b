// Attachments (docs/qa.md, « Glisser-déposer »): a file input marked `data-upload` (ask,
// answer and comment forms) also takes files dropped on it, lists the chosen files with their
// number (`piece-jointe:<n>`), a « Retirer » and an « Insérer dans le texte » button each, and
// sends the form with a progress bar whose steps are announced politely. Without this file the
// plain input and a normal submission do the same work; the server checks every file anyway.
(function () {
  "use strict";
  if (!window.DataTransfer || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  // Buttons that send the form for something else than publishing (no files needed).
  var OTHER_SUBMITS = ["preview", "save_draft", "clear_template", "person_search"];

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? values[key] : match;
    }).replace(/%%/g, "%");
  }

  function size(bytes) {
    var units = ["octets", "Ko", "Mo", "Go"];
    var unit = 0;
    while (bytes >= 1024 && unit < units.length - 1) {
      bytes /= 1024;
      unit += 1;
    }
    return (unit ? bytes.toFixed(1).replace(".", ",") : String(bytes)) + "\u00a0" + units[unit];
  }

  function setup(input) {
    var form = input.form;
    var text = function (name) { return input.getAttribute("data-upload-" + name) || ""; };
    var maxFiles = Number(input.getAttribute("data-max-files"));
    var maxSize = Number(input.getAttribute("data-max-size"));
    var firstNumber = Number(input.getAttribute("data-first-number")) || 1;

    var zone = document.createElement("div");
    zone.className = "qa-dropzone";
    input.parentNode.insertBefore(zone, input);
    zone.appendChild(input);
    var hint = document.createElement("p");
    hint.className = "qa-dropzone__hint";
    hint.textContent = text("drop");
    zone.appendChild(hint);

    var list = document.createElement("ol");
    list.className = "qa-upload-list";
    list.setAttribute("aria-label", text("list"));
    list.hidden = true;
    zone.parentNode.insertBefore(list, zone.nextSibling);

    var status = document.createElement("p");
    status.className = "qa-upload-status";
    status.setAttribute("role", "status");
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.hidden = true;
    progress.setAttribute("aria-hidden", "true");  // the status line says the same in words
    var problems = document.createElement("div");
    problems.className = "form-errors qa-upload-problems";
    problems.setAttribute("tabindex", "-1");
    problems.hidden = true;
    list.parentNode.insertBefore(problems, list.nextSibling);
    problems.parentNode.insertBefore(progress, problems.nextSibling);
    progress.parentNode.insertBefore(status, progress.nextSibling);

    function say(message) {
      status.textContent = message;
    }

    function setFiles(files) {
      var transfer = new DataTransfer();
      files.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      render();
    }

    function tooMuch() {
      var found = [];
      var files = Array.prototype.slice.call(input.files);
      if (maxFiles && files.length > maxFiles) {
        found.push(format(text("too-many"), { count: maxFiles }));
      }
      files.forEach(function (file) {
        if (maxSize && file.size > maxSize) {
          found.push(format(text("too-big"), {
            name: file.name, size: input.getAttribute("data-max-size-label")
          }));
        }
      });
      return found;
    }

    function showProblems(heading, items) {
      problems.textContent = "";
      if (!items.length && !heading) {
        problems.hidden = true;
        return;
      }
      var intro = document.createElement("p");
      intro.textContent = heading;
      problems.appendChild(intro);
      if (items.length) {
        var ul = document.createElement("ul");
        items.forEach(function (item) {
          var li = document.createElement("li");
          li.textContent = item;
          ul.appendChild(li);
        });
        problems.appendChild(ul);
      }
      problems.hidden = false;
      problems.focus();
    }

    function insertReference(file, number) {
      var textarea = form.querySelector("textarea[name=body]");
      if (!textarea) {
        return;
      }
      var label = file.name.replace(/[\[\]]/g, "");
      var image = /^image\//.test(file.type);
      var reference = (image ? "!" : "") + "[" + label + "](piece-jointe:" + number + ")";
      var start = textarea.selectionStart || textarea.value.length;
      var end = textarea.selectionEnd || start;
      textarea.value = textarea.value.slice(0, start) + reference + textarea.value.slice(end);
      textarea.focus();
      textarea.setSelectionRange(start + reference.length, start + reference.length);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      say(format(text("inserted"), { name: file.name }));
    }

    function render() {
      var files = Array.prototype.slice.call(input.files);
      list.textContent = "";
      list.hidden = !files.length;
      files.forEach(function (file, index) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.className = "qa-upload-list__name";
        name.textContent = file.name + " (" + size(file.size) + ")";
        var reference = document.createElement("code");
        reference.textContent = "piece-jointe:" + (index + firstNumber);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button--secondary qa-actions--small";
        remove.textContent = text("remove");
        remove.setAttribute("aria-label", text("remove") + " « " + file.name + " »");
        remove.addEventListener("click", function () {
          var rest = files.filter(function (other, position) { return position !== index; });
          setFiles(rest);
          say(format(text("removed"), { name: file.name }));
          var buttons = list.querySelectorAll("button[data-remove]");
          (buttons[Math.min(index, buttons.length - 1)] || input).focus();
        });
        remove.setAttribute("data-remove", "");
        item.appendChild(name);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(reference);
        item.appendChild(document.createTextNode(" "));
        if (form.querySelector("textarea[name=body]")) {
          var insert = document.createElement("button");
          insert.type = "button";
          insert.className = "button--secondary qa-actions--small";
          insert.textContent = text("insert");
          insert.setAttribute("aria-label", text("insert") + " : « " + file.name + " »");
          insert.addEventListener("click", function () {
            insertReference(file, index + firstNumber);
          });
          item.appendChild(insert);
          item.appendChild(document.createTextNode(" "));
        }
        item.appendChild(remove);
        list.appendChild(item);
      });
      var found = tooMuch();
      if (found.length) {
        showProblems(found[0], found.slice(1));
      } else {
        problems.hidden = true;
      }
    }

    input.addEventListener("change", function () {
      render();
      say(format(text("added"), { count: input.files.length }));
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("qa-dropzone--over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("qa-dropzone--over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var dropped = Array.prototype.slice.call(event.dataTransfer.files || []);
      if (!dropped.length) {
        return;
      }
      setFiles(Array.prototype.slice.call(input.files).concat(dropped));
      say(format(text("added"), { count: input.files.length }));
    });

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!input.files.length || event.defaultPrevented || form.getAttribute("data-qa-sent") === "1"
          || (submitter && OTHER_SUBMITS.indexOf(submitter.name) !== -1)) {
        return;
      }
      event.preventDefault();
      var found = tooMuch();
      if (found.length) {
        showProblems(found[0], found.slice(1));
        release(submitter);
        return;
      }
      send(submitter);
    });

    function release(submitter) {
      form.removeAttribute("data-qa-sent");  // qa.js: the form may be sent again
      if (submitter) {
        submitter.removeAttribute("aria-disabled");
      }
    }

    function send(submitter) {
      var data = new FormData(form);
      if (submitter && submitter.name) {
        data.append(submitter.name, submitter.value);
      }
      var request = new XMLHttpRequest();
      var announced = -1;
      problems.hidden = true;
      progress.hidden = false;
      progress.value = 0;
      say(format(text("progress"), { percent: 0 }));
      request.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) {
          return;
        }
        var percent = Math.floor((event.loaded / event.total) * 100);
        progress.value = percent;
        var step = Math.floor(percent / 25) * 25;  // 0, 25, 50, 75, 100: not every event
        if (step > announced) {
          announced = step;
          say(format(text("progress"), { percent: step }));
        }
      });
      request.upload.addEventListener("load", function () {
        progress.value = 100;
        say(text("saving"));
      });
      request.addEventListener("load", function () {
        var location = request.getResponseHeader("X-Entraide-Location");
        if (location) {
          var target = new URL(location, window.location.href);
          var here = window.location;
          if (target.pathname + target.search === here.pathname + here.search) {
            // The same page (an answer's anchor): only a reload shows the new post.
            here.hash = target.hash;
            here.reload();
          } else {
            here.assign(target.href);
          }
          return;
        }
        progress.hidden = true;
        release(submitter);
        say("");
        showProblems(text("refused"), errorsFrom(request.responseText));
      });
      ["error", "abort", "timeout"].forEach(function (type) {
        request.addEventListener(type, function () {
          progress.hidden = true;
          release(submitter);
          say("");
          showProblems(text("failed"), []);
        });
      });
      request.open("POST", form.action);
      request.setRequestHeader("X-Entraide-Upload", "1");
      request.send(data);
    }

    // The errors of the same form in the page the server sent back (400), or its heading and
    // first paragraph (413, 429…).
    function errorsFrom(html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var action = form.getAttribute("action");
      var same = page.querySelector("form[action='" + action.replace(/'/g, "\\'") + "']");
      var items = [];
      if (same) {
        same.querySelectorAll(".errorlist li, [data-error-summary] p").forEach(function (node) {
          var message = node.textContent.trim();
          if (message && items.indexOf(message) === -1) {
            items.push(message);
          }
        });
      }
      if (!items.length) {
        var main = page.querySelector("main") || page.body;
        ["h1", "p"].forEach(function (tag) {
          var node = main && main.querySelector(tag);
          if (node && node.textContent.trim()) {
            items.push(node.textContent.trim());
          }
        });
      }
      return items;
    }
  }

  document.querySelectorAll("input[type=file][data-upload]").forEach(setup);
})();
