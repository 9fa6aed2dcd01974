// Small enhancements; every page works without this file.
// Display preferences apply as soon as they are chosen (the form still saves them).
(function () {
  "use strict";
  var form = document.querySelector(".prefs-form");
  if (!form) return;
  var button = form.querySelector("button[type=submit]");
  form.addEventListener("change", function (event) {
    var root = document.documentElement;
    var target = event.target;
    if (target.name === "theme") {
      if (target.value === "auto") root.removeAttribute("data-theme");
      else root.setAttribute("data-theme", target.value);
    } else if (target.name === "text_size") {
      root.setAttribute("data-text-size", target.value);
    }
    var data = new FormData(form);
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", redirect: "manual" })
      .catch(function () { /* the Apply button still works */ });
  });
  if (button) button.classList.add("js-optional");
})();
