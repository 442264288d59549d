"""Settings for the test suite: the production settings with RAKTAS_ENV=test."""

import os

os.environ.setdefault("RAKTAS_ENV", "test")

from raktas.settings import *  # noqa: F403
