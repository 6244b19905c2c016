"""Notifications: who hears of what, in the one inbox (portal/tender InboxItem rows, the one
counter beside "Inbox" in the navigation), and the optional e-mail copy.

- `events` holds the recipient rules; each event adds its inbox items in the transaction
  of the event itself (the caller commits), so a notification exists exactly when its event
  does: none lost on a rollback, none twice.
- `mail` sends the e-mail copy after the commit, outside the request (RQ when REDIS_URL is
  set, else a small background thread), retried on failure and never failing the request.
- `views` opens an item, marks one or all read, and holds each user's e-mail setting.
"""
