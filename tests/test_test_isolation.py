"""The suite's own hygiene: a global a test changes does not leak into the next test.

The two tests run in file order: the first leaves Celery's eager flag set, as a failing or
careless test would; the second must still start with tasks going to a real worker."""

from gymsales.celery import app


def test_a_test_may_leave_tasks_eager():
    app.conf.task_always_eager = True
    assert app.conf.task_always_eager is True


def test_the_next_test_starts_with_tasks_not_eager():
    assert app.conf.task_always_eager is False
