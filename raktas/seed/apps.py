from raktas.core import appconfig


class SeedConfig(appconfig.RaktasAppConfig):
    """Demo and benchmark data (``raktas seed``), the demo (``raktas demo``) and the
    production server (``raktas serve``). It owns no tables."""

    name = "raktas.seed"
    label = "seed"
    verbose_name = "Seed data, demo and server"
