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
// The pathway page reads the times it is given in the zone of its time zone field: fill
// an empty field with the browser's own zone (an IANA name such as Europe/London) and say so.
// Without this file the field stays empty, which the server reads as UTC, as its hint says.
function fillBrowserZone() {
  var field = document.querySelector("input[data-browser-zone]");
  if (!field || field.value) {
    return;
  }
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    zone = "";
  }
  if (!zone) {
    return;
  }
  field.value = zone;
  var hint = document.getElementById("hint-" + field.id.replace(/^in-/, ""));
  if (hint) {
    var fallback = hint.querySelector(".no-js-only");
    var taken = hint.querySelector(".js-zone");
    if (fallback && taken) {
      fallback.hidden = true;
      taken.hidden = false;
    }
  }
}
fillBrowserZone();
document.addEventListener("htmx:afterSettle", fillBrowserZone);
