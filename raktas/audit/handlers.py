"""flush (used by transactional tests) and migrate both end with post_migrate: the
guard triggers are always back in place afterwards (raktas.audit.guards)."""

from django.apps import apps
from django.db.models.signals import post_migrate

from raktas.audit.guards import install_after_migrate

post_migrate.connect(
    install_after_migrate, sender=apps.get_app_config("audit"), dispatch_uid="audit-guards"
)
