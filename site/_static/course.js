// The sidebar buttons in the article header (sphinx-book-theme) get no handler from pydata-sphinx-theme 0.20,
// which binds only the first .primary-toggle / .secondary-toggle (hidden in the header). On a narrow screen
// they open the theme's drawer (a modal <dialog>: Escape and focus handling come with it); on a wide screen,
// where the sidebar is on the page, they hide or show it.
document.addEventListener("DOMContentLoaded", () => {
  for (const [kind, sidebarId, hideClass] of [["primary", "pst-primary-sidebar", "course-hide-primary"],
                                               ["secondary", "pst-secondary-sidebar", "course-hide-secondary"]]) {
    const toggles = [...document.querySelectorAll(`.${kind}-toggle`)];
    const themeToggle = toggles[0];
    const sidebar = document.getElementById(sidebarId);
    if (!themeToggle || !sidebar) continue;
    for (const button of toggles.slice(1)) {
      button.setAttribute("aria-controls", sidebarId);
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        const box = sidebar.getBoundingClientRect();
        const onPage = getComputedStyle(sidebar).visibility !== "hidden" && box.width > 0 && box.left >= 0
          && !sidebar.closest("dialog");
        if (onPage || document.body.classList.contains(hideClass)) {
          document.body.classList.toggle(hideClass);
          button.setAttribute("aria-expanded", String(!document.body.classList.contains(hideClass)));
        } else {
          themeToggle.click();
        }
      });
    }
  }
});

// A box that scrolls sideways (a wide table, a long output) can be reached and scrolled with the keyboard.
window.addEventListener("load", () => {
  for (const box of document.querySelectorAll(".bd-article table, .pst-scrollable-table-container, .bd-article pre, div.cell_output")) {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", "scrollable content");
    }
  }
});
