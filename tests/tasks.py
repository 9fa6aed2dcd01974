"""SQL shared by the tests that wait for workers to finish every task."""

# Tasks not finished, leaving out the daily kudos digest that a starting worker queues to run
# once yesterday (or, after its first run, today) is over (kudos/tasks.py): it always waits.
UNFINISHED = (
    "FROM django_tasks_database_dbtaskresult WHERE status <> 'SUCCESSFUL' AND NOT "
    "(task_path = 'ficarchive.kudos.tasks.send_kudos_digest' AND status = 'READY')"
)
