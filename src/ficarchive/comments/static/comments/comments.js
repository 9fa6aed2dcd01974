// Paragraph comments: a count button after each paragraph with comments opens its thread;
// any paragraph can be commented on. Without this file, the list "Comments on paragraphs"
// and the Paragraph field do the same.
(function () {
  "use strict";
  if (window.ficarchiveComments) return; // loaded once per chapter shown
  window.ficarchiveComments = true;
  document.querySelectorAll("section.comments[data-chapter]").forEach(function (section) {
    var chapter = section.closest("section.chapter");
    var form = section.querySelector(".comment-form");
    if (!chapter) return;
    var counts = {};
    section.querySelectorAll(".paragraph-group[data-paragraph]").forEach(function (group) {
      counts[group.getAttribute("data-paragraph")] = group;
      group.classList.add("is-collapsed");
    });
    chapter.querySelectorAll(".chapter-text p[id]").forEach(function (paragraph) {
      var id = paragraph.id;
      if (!/^p[1-9][0-9]*$/.test(id)) return;
      var group = counts[id];
      var count = group ? parseInt(group.getAttribute("data-count"), 10) || 0 : 0;
      if (!group && !form) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "paragraph-comment-button";
      button.textContent = count ? "💬 " + count : "💬";
      button.setAttribute("aria-label", count
        ? count + " comment" + (count === 1 ? "" : "s") + " on paragraph " + id.slice(1)
        : "Comment on paragraph " + id.slice(1));
      button.addEventListener("click", function () {
        if (group) {
          group.classList.toggle("is-collapsed");
          group.scrollIntoView({ behavior: "smooth", block: "nearest" });
        }
        if (form && (!group || !group.classList.contains("is-collapsed"))) {
          var field = form.querySelector("input[name=paragraph]");
          if (field) field.value = id.slice(1);
          if (!group) {
            var text = form.querySelector("textarea");
            if (text) text.focus();
          }
        }
      });
      paragraph.appendChild(button);
    });
  });
})();
