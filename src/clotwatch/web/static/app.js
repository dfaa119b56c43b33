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
// Upload progress (the step-data upload): htmx sends the boosted form with XMLHttpRequest and
// reports the bytes sent; show them in the form's <progress>, then say the server is checking
// the file. Without JavaScript the form posts as usual and the next page gives the result.
function uploadProgressParts(form) {
  var box = form.querySelector(".upload-progress");
  if (!box) {
    return null;
  }
  return { box: box, bar: box.querySelector("progress"), text: box.querySelector("[role=status]") };
}
document.addEventListener("htmx:beforeRequest", function (event) {
  var form = event.target;
  if (!form || !form.matches || !form.matches("form[data-upload-progress]")) {
    return;
  }
  var parts = uploadProgressParts(form);
  if (parts) {
    parts.box.hidden = false;
    parts.bar.value = 0;
    parts.text.textContent = "";
    form.removeAttribute("data-sent");
  }
});
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target;
  if (!form || !form.matches || !form.matches("form[data-upload-progress]")) {
    return;
  }
  var parts = uploadProgressParts(form);
  var loaded = event.detail.loaded;
  var total = event.detail.total;
  // htmx reports the response's download too: only the upload (until it is all sent) counts.
  if (!parts || !total || form.hasAttribute("data-sent")) {
    return;
  }
  var percent = Math.min(100, Math.floor((loaded / total) * 100));
  parts.bar.value = percent;
  if (loaded >= total) {
    form.setAttribute("data-sent", "");
    parts.text.textContent = parts.text.getAttribute("data-checking");
    parts.bar.removeAttribute("value"); // indeterminate while the server works
  } else {
    var mb = function (bytes) { return (bytes / 1e6).toFixed(1); };
    parts.text.textContent = parts.text.getAttribute("data-sending")
      .replace("{percent}", String(percent)).replace("{done}", mb(loaded))
      .replace("{total}", mb(total));
  }
});
