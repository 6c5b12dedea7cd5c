# Celery's app is loaded with Django so that `shared_task` binds to it and
# `transaction.on_commit` helpers can queue tasks from any entry point.
from .celery import app as celery_app

__all__ = ("celery_app",)
