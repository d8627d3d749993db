import random

import pytest

from recaudo.delivery.dispatcher import Dispatcher
from tests.delivery.test_dispatcher import Channels


@pytest.fixture
def channels():
    return Channels()


@pytest.fixture
def dispatcher(channels):
    worker = Dispatcher(channels=channels, name="test-worker", rng=random.Random(1))
    yield worker
    worker.close()
