"""What collection contributes to lower contexts and how it reacts to their events."""

from raktas.clients.timeline import register_kinds
from raktas.collection.models import TimelineKind
from raktas.collection.tasks import daily_collection_run
from raktas.core.schedule import register_daily

register_kinds(TimelineKind)

register_daily("collection", daily_collection_run, order=10, takes_date=True)
