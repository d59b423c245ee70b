from django.conf import settings

from apps.common import replicas


class PrimaryAndReplicaRouter:
    """Every write, and every read not marked otherwise, goes to the primary (`default`).

    Reads made inside `apps.common.replicas.read()` go to the replica it chose for them. The archive
    database is written only by the archive job, which names it (`using("archive")`); ordinary ORM use
    never reaches it. Migrations never run on a replica: it is a copy of the primary.
    """

    def db_for_read(self, model, **hints):
        return replicas.current() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db not in settings.REPLICA_DATABASES
