// Leave kudos without leaving the page; without this file the form posts and comes back.
// The work page has a kudos box at the top and one at the end: both show the new list.
(function () {
  "use strict";
  if (window.ficarchiveKudos) return; // one script tag per kudos box
  window.ficarchiveKudos = true;
  var lists = document.querySelectorAll(".kudos-box .kudos-list");
  document.querySelectorAll(".kudos-form").forEach(function (form) {
    var box = form.closest(".kudos-box");
    var list = box.querySelector(".kudos-list");
    var status = document.createElement("p");
    status.className = "kudos-status";
    status.setAttribute("role", "status");
    box.insertBefore(status, list);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          status.textContent = data.message || "";
          if (data.html !== undefined) {
            lists.forEach(function (each) { each.innerHTML = data.html; });
          }
        })
        .catch(function () { form.submit(); })
        .finally(function () { button.disabled = false; });
    });
  });
})();
