"""In-memory implementations of every port of `lapor.ports`, for unit tests of the services (no moto, no
sockets). `InMemoryTable` serves the storage ports; `messaging` and `files` the others."""

from tests.fakes.files import InMemoryFiles
from tests.fakes.messaging import RecordingPublisher, RecordingSender
from tests.fakes.roster import InMemoryRoster
from tests.fakes.table import InMemoryTable, seeded_setup
from tests.fakes.vault import InMemoryVault

__all__ = [
    "InMemoryFiles",
    "InMemoryRoster",
    "InMemoryTable",
    "InMemoryVault",
    "RecordingPublisher",
    "RecordingSender",
    "seeded_setup",
]
