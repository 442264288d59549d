"""The base of every Raktas app's configuration (imported as a module by each apps.py, so
that Django does not take it for that app's own configuration)."""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import AppConfig


class RaktasAppConfig(AppConfig):
    """Imports the app's ``handlers`` module, if it has one, once the app registry is
    ready: the module's top level subscribes to other contexts' events
    (``raktas.core.events``) and registers what the app contributes to lower ones
    (timeline kinds, message choices). Django allows models to be imported only from
    ``ready`` on, which is why this is not done at import time."""

    def ready(self) -> None:
        name = f"{self.name}.handlers"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
