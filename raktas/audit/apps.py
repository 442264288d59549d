from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "raktas.audit"
    label = "audit"

    def ready(self) -> None:
        from raktas.audit.guards import install_after_migrate

        # flush (used by transactional tests) and migrate both end here: the guard
        # triggers are always back in place afterwards.
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="audit-guards")
