"""Scheduled reminders (issue 7): the calendar says what is due, storage says who owes it,
the bot sends it, once.

`due` and `report` are pure; `facts` reads storage; `messages` writes the texts; `sender`
pushes through the Bot at a safe pace; `jobs` puts it on the JobQueue.
"""
