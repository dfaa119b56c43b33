"""The process that sends what is due: ``clotwatch worker``.

- ``outbox.enqueue(session, channel, recipient, template, payload, due_at, idempotency_key,
  lang=..., expires_at=..., max_attempts=...)``: the public way to send anything.
- ``reminders.plan_reminders(session, targets, now)``: check-in reminders from schedules.
- ``runner.Worker``: claims due rows (never two workers on one row), sends them through
  ``channels`` (email, webhook, Web Push) and marks them; at-least-once delivery with stable
  message ids (see ``clotwatch.worker.outbox``).
- ``planners.default_planners()``: what the worker plans on every pass (reminders, stale-data
  sweeps and escalations, registered by the follow-up service).
"""
