// Paragraph comments. Beside each paragraph stands a comment link (written by the server,
// outside the paragraph, so copying the paragraph copies no control); without this file it
// leads to a page with the comment form for that paragraph. With it, the link opens the
// chapter's comment form right under the paragraph, naming the paragraph by its first
// words, and shows how many comments the paragraph has.
(function () {
  "use strict";
  if (window.ficarchiveComments) return; // loaded once per chapter shown
  window.ficarchiveComments = true;

  function firstWords(text, count) {
    var words = text.trim().split(/\s+/);
    return words.slice(0, count).join(" ") + (words.length > count ? "…" : "");
  }

  document.querySelectorAll("section.comments[data-chapter]").forEach(function (section) {
    var chapter = section.closest("section.chapter");
    if (!chapter) return;
    var groups = {};
    section.querySelectorAll(".paragraph-group[data-paragraph]").forEach(function (group) {
      groups[group.getAttribute("data-paragraph")] = group;
    });
    var form = section.querySelector(".comment-form");
    var field = form && form.querySelector("input[name=paragraph]");
    var target = form && form.querySelector(".comment-target");
    var text = form && form.querySelector("textarea");
    var whole = null;
    if (form && field && target && text) {
      var home = form.parentNode;
      var homeNext = form.nextSibling;
      var wholeTarget = target.textContent;
      whole = document.createElement("button");
      whole.type = "button";
      whole.className = "link-button comment-on-whole";
      whole.textContent = "Comment" + wholeTarget + " instead";
      whole.hidden = true;
      form.querySelector(".form-actions").appendChild(whole);
      whole.addEventListener("click", function () {
        field.value = "";
        target.textContent = wholeTarget;
        whole.hidden = true;
        form.classList.remove("is-paragraph-form");
        home.insertBefore(form, homeNext);
        text.focus();
      });
    }
    chapter.querySelectorAll(".chapter-text a.paragraph-comment-link").forEach(function (link) {
      var id = link.getAttribute("data-paragraph") || "";
      if (!/^p[1-9][0-9]*$/.test(id)) return;
      var group = groups[id];
      if (group) {
        var count = parseInt(group.getAttribute("data-count"), 10) || 0;
        var badge = document.createElement("span");
        badge.className = "paragraph-comment-count";
        badge.textContent = String(count);
        link.appendChild(badge);
        link.setAttribute("aria-label", link.getAttribute("aria-label") +
          " (" + count + " comment" + (count === 1 ? "" : "s") + " so far)");
      }
      if (!whole) return; // no form here (log in first): the link leads to its page
      link.addEventListener("click", function (event) {
        var paragraph = link.nextElementSibling;
        if (!paragraph) return;
        event.preventDefault();
        field.value = id.slice(1);
        target.textContent = " on the paragraph that begins “" +
          firstWords(paragraph.textContent || "", 12) + "”";
        whole.hidden = false;
        form.classList.add("is-paragraph-form");
        paragraph.parentNode.insertBefore(form, paragraph.nextSibling);
        text.focus();
      });
    });
  });
})();
