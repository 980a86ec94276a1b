from pathlib import Path

import pytest

from directory import demo

SAMPLE = Path(__file__).parent / "data" / "participants-fictifs.tsv"


@pytest.fixture
def sample_bytes():
    """The fictional participant list with the quirks of the real one (see its README)."""
    return SAMPLE.read_bytes()


@pytest.fixture
def territory(db):
    """The Pays A3V, its five CCs and their communes, and the partners (public bodies)."""
    return demo.load_structures()
