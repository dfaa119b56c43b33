// Progressive enhancement only: every page works without this file.
// After htmx swaps in a new page, move focus to the main region so that keyboard and
// screen-reader users start reading the new content (as on a full page load).
document.addEventListener("htmx:afterSettle", function () {
  var main = document.getElementById("main");
  if (main) {
    var heading = main.querySelector("h1");
    (heading || main).setAttribute("tabindex", "-1");
    (heading || main).focus({ preventScroll: false });
  }
});
// The print button is only shown when JavaScript can use it.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.matches && target.matches("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
document.documentElement.classList.add("js");
