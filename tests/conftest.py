"""Shared fixtures: the article's seeds, a fake embedder for logic, the real model for quality."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled model is local; never reach for the hub
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index import Engine  # noqa: E402
from index.embedder import HashingEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ARTICLE = SEEDS / "turkey-japan-foreign-ministers-2022-01-09.txt"
# Four SQuAD 2.0 articles kept in the repository (CC BY-SA 4.0, see tests/data/squad/):
# the suite must pass in a clone with nothing beside it.
SQUAD = ROOT / "tests" / "data" / "squad" / "dev-v2.0-4articles.json"
RELATIONS = "Diplomatic relations began in 1924, and the first Turkish mission in Japan was established in 1925."


class FakeMultilingual(HashingEmbedder):
    """A stand-in second encoder (hashed vectors) for the logic of which builds may serve whom."""

    def encode_queries(self, texts):
        return self.encode(texts)


@pytest.fixture(autouse=True, scope="session")
def _offsets_hold_for_every_answer():
    """Every answer the suite produces must quote its document verbatim at its offsets."""
    original = Engine._answer

    def checked(self, corpus, question, ranking, k, *args, **kwargs):
        answer = original(self, corpus, question, ranking, k, *args, **kwargs)
        texts = {d.path: d.text for d in corpus.documents}
        for passage in filter(None, (answer.passage, *answer.alternatives)):
            assert texts[passage.document][passage.start : passage.end] == passage.quote
        return answer

    Engine._answer = checked
    yield
    Engine._answer = original


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of the seeds folder that a test may change."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def hashing() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def embedder():
    """The real bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    from index.embedder import load_embedder

    return load_embedder(None)


@pytest.fixture(scope="session")
def e5():
    """The real multilingual-e5 encoder (the [multilingual] extra), loaded once.

    The test extra installs it on x86-64 Linux; on a processor its engine cannot run
    on, the tests that need it are skipped, saying why.
    """
    from index.multilingual import MultilingualUnavailable, load_multilingual

    try:
        return load_multilingual()
    except MultilingualUnavailable as err:
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def article_engine(embedder, tmp_path_factory) -> Engine:
    """The real engine on the article, built once."""
    return Engine.open(SEEDS, tmp_path_factory.mktemp("article-index"), embedder)
