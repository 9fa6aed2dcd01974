// Leave kudos without leaving the page; without this file the form posts and comes back.
(function () {
  "use strict";
  var form = document.querySelector(".kudos-form");
  if (!form) return;
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
        if (data.html !== undefined) list.innerHTML = data.html;
      })
      .catch(function () { form.submit(); })
      .finally(function () { button.disabled = false; });
  });
})();
