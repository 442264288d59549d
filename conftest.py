import pytest

from raktas.testing.personas import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()
