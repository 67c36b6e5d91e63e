/*
 * Wide tables on narrow screens: a table box that scrolls sideways is made focusable (so
 * keyboard users can scroll it), named as a region, and gets a visible cue above it.
 * Runs after the theme has wrapped tables (on "load") and again when the window is resized.
 * Result tables on record pages become cards on phones instead (gongkai.css, .gongkai-cards).
 */
(function () {
  "use strict";

  var BOXES = ".md-typeset__scrollwrap, .md-typeset table[class^='gongkai-']";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var node = box;
    while (node && !/^H[1-6]$/.test(node.tagName || "")) {
      node = node.previousElementSibling || node.parentElement;
      if (node && node.classList && node.classList.contains("md-content__inner")) break;
    }
    return node && /^H[1-6]$/.test(node.tagName) ? node.textContent.replace("¶", "").trim() : "";
  }

  function mark() {
    document.querySelectorAll(BOXES).forEach(function (box) {
      // A record-page table inside the theme's scroll box: the box is what scrolls.
      if (box.tagName === "TABLE" && box.closest(".md-typeset__scrollwrap")) return;
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var cue = box.previousElementSibling;
      var hasCue = cue && cue.classList.contains("gongkai-scroll-cue");
      if (scrolls) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (nameOf(box) || "表格") + "（可左右滚动）");
        if (!hasCue) {
          cue = document.createElement("p");
          cue.className = "gongkai-scroll-cue";
          cue.setAttribute("aria-hidden", "true");
          cue.textContent = "表格较宽，可左右滑动查看 →";
          box.parentNode.insertBefore(cue, box);
        }
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        if (hasCue) cue.remove();
      }
    });
  }

  var timer;
  window.addEventListener("load", mark);
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(mark, 150);
  });
})();
