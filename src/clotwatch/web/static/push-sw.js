// The service worker for Web Push (registered by push.js): check-in reminders and alert
// notifications. A message is {"title", "body", "url"}
// (clotwatch.worker.channels.WebPushChannel); a click opens its link (the check-in, the
// worklist).
self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  event.waitUntil(self.registration.showNotification(data.title || "clotwatch", {
    body: data.body || "", data: { url: data.url || "/" },
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.openWindow(url));
});
