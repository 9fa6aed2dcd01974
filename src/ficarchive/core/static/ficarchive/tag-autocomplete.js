// Suggests canonical tags while typing in tag fields. Without this file the fields still take
// typed, comma-separated names. Suggestions use the browser's own <datalist> (keyboard and
// screen-reader friendly); in a comma-separated field each suggestion keeps the items before
// the last comma and completes the last one.
(function () {
  "use strict";
  var WORK_FIELDS = {
    id_fandoms: "fandom",
    id_relationships: "relationship",
    id_characters: "character",
    id_freeforms: "freeform"
  };
  var counter = 0;

  function attach(input, type, commaSeparated) {
    var list = document.createElement("datalist");
    list.id = "tag-suggestions-" + (++counter);
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("list", list.id);
    var timer = null;
    var lastAsked = null;

    function split(value) {
      if (!commaSeparated) return { head: "", last: value.trim() };
      var at = value.lastIndexOf(",");
      if (at < 0) return { head: "", last: value.trim() };
      return { head: value.slice(0, at + 1) + " ", last: value.slice(at + 1).trim() };
    }

    function show(head, names) {
      while (list.firstChild) list.removeChild(list.firstChild);
      names.forEach(function (name) {
        var option = document.createElement("option");
        option.value = head + name;
        list.appendChild(option);
      });
    }

    function ask() {
      var parts = split(input.value);
      if (parts.last.length < 2 || parts.last === lastAsked) return;
      lastAsked = parts.last;
      var url = "/tags/autocomplete/?type=" + encodeURIComponent(type) +
        "&q=" + encodeURIComponent(parts.last);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { tags: [] }; })
        .then(function (data) {
          if (split(input.value).last !== parts.last) return;  // typed on meanwhile
          show(parts.head, (data.tags || []).map(function (tag) { return tag.name; }));
        })
        .catch(function () { /* typing still works */ });
    }

    input.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
  }

  Object.keys(WORK_FIELDS).forEach(function (id) {
    var input = document.getElementById(id);
    if (input) attach(input, WORK_FIELDS[id], true);
  });
  document.querySelectorAll("input[data-tag-type]").forEach(function (input) {
    attach(input, input.getAttribute("data-tag-type"), false);
  });
})();
