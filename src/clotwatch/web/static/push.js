// Web Push (issue #12): check-in reminders on /{lang}/me, same-day and emergency alert
// notifications on the worklist /{lang}/care (templates/_fu_push.html). Progressive
// enhancement: the button is shown only if the server has a VAPID key and this browser can
// push. It
// registers the service worker (push-sw.js), asks for permission, subscribes with the
// server's public key and POSTs the subscription (endpoint and keys) with the page's CSRF
// token. No inline script: the Content-Security-Policy forbids it.
(function () {
  var box = document.querySelector("[data-push-key]");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) {
    return;
  }
  var button = box.querySelector("button");
  var status = box.querySelector("[data-push-status]");
  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  box.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.serviceWorker.register("/static/push-sw.js").then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.getAttribute("data-push-key")),
      });
    }).then(function (subscription) {
      var json = subscription.toJSON();
      var form = new FormData();
      form.append("csrf_token", box.getAttribute("data-csrf"));
      form.append("endpoint", json.endpoint);
      form.append("p256dh", json.keys.p256dh);
      form.append("auth", json.keys.auth);
      return fetch(box.getAttribute("data-action"), {
        method: "POST", body: form, credentials: "same-origin",
      });
    }).then(function (response) {
      say(response.ok ? box.getAttribute("data-done") : box.getAttribute("data-failed"));
    }).catch(function () {
      say(box.getAttribute("data-failed"));
    }).then(function () {
      button.disabled = false;
    });
  });
})();
