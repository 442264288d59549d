"""Settings for the test suite: the production settings with RAKTAS_ENV=test."""

import os

os.environ.setdefault("RAKTAS_ENV", "test")

from raktas.settings import *  # noqa: F403

# WhiteNoise warns on every request when the static folder is missing (tests serve no
# collected static files): make sure it exists.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
