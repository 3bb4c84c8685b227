"""The index on disk: one folder per build, a manifest, and an atomic ``CURRENT`` pointer.

Layout of ``index_dir``::

    CURRENT                 name of the build folder in service (replaced atomically)
    .lock                   the writer lock: one process builds at a time
    build-<time>-<id>/      manifest.json, documents.json, sentences.faiss (and, past
                            32,768 sentences, sentences-coarse.faiss: candidates.py),
                            kinds.npy and words.json (derived from the texts, kept so
                            opening need not derive them), bm25-sentences/,
                            bm25-chunks/, and, when the model gives
                            token vectors, tokens.npy (int8), token-scales.npy,
                            token-ids.npy, token-offsets.npy, token-rarity.npy; with multilingual
                            answers on, multilingual.faiss (multilingual-e5 vectors,
                            and their multilingual-coarse.faiss past that size);
                            and .readers, the lock file of the processes serving it
                            (not in the manifest)

A build is written into a fresh folder and fsynced; only then does ``CURRENT`` change,
with ``os.replace``. A crash at any point leaves the previous build in service.

Several processes may share one index folder (a bot run as several shard processes):

- Writing (diffing against the build in service, embedding, saving, clearing up) is
  done holding ``.lock`` (``writer``), so two builders never overlap and a builder's
  view of ``CURRENT`` cannot change under it.
- A process serving a build holds a shared ``flock`` on that build's ``.readers``
  (a ``leases.Lease``) for as long as it serves it, taken *before* reading the build.
- **The rule:** a folder ``build-*`` that ``CURRENT`` does not name is removed only by
  a process holding the writer lock, and only after taking an exclusive, non-blocking
  lock on its ``.readers``: a build some process still serves is never deleted. It
  goes at the next clear-up after its last reader moves on (``collect``).
- Temporary folders and pointer files (``.tmp-build-*``, ``.CURRENT.*``) are a dead
  writer's, since only the lock holder writes them: they go at the next clear-up.

flock is local to one machine's kernel; on a network file system it may be emulated
or not honoured at all (see the README on running on several machines).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np

from .candidates import prepared
from .corpus import Corpus, IndexParams, document_bounds, flat_vectors
from .documents import Document
from .errors import IndexStorageError
from .leases import READERS, remove_unless_served, writer, writer_if_free
from .lexical import load_bm25, save_bm25
from .sentences import Sentence
from .token_file import StoredCodes, save_codes
from .tokens import TokenVectors

log = logging.getLogger(__name__)

FORMAT = 1
POINTER = "CURRENT"
_VERSIONED = ("kizuna", "sentence-transformers", "faiss-cpu", "bm25s", "pysbd", "numpy", "torch")


class CorruptIndex(Exception):
    """The stored index is unreadable, incomplete or does not match its manifest."""


def library_versions() -> dict[str, str]:
    versions = {}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (new names, renames) durable, not only its files."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(folder)


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def check_index_dir(index_dir: Path) -> None:
    """Raise IndexStorageError when ``index_dir`` can't hold an index, before any work is done.

    A file in its place, or a CURRENT that is a folder, would only fail at the very end
    of a build (leaving the build behind); writability is learnt by writing, in ``save``.
    """
    # The nearest part of the path that exists must be a folder (a path under a file
    # does not "exist" for pathlib, and mkdir fails on it with ENOTDIR).
    existing = next((p for p in (index_dir, *index_dir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == index_dir else f"cannot be made, {existing} is a file"
        raise IndexStorageError(f"the index folder {index_dir} {where}: move it away or choose another index folder")
    pointer = index_dir / POINTER
    if pointer.is_dir():
        raise IndexStorageError(
            f"{pointer} is a folder, but it must be the file naming the build in service: remove it (the index is rebuilt)"
        )


def save(corpus: Corpus, index_dir: Path, model: str, multilingual: str | None = None) -> dict:
    """Write ``corpus`` as a new build, put it in service and clear up; returns its manifest.

    ``multilingual`` names the model of the corpus's multilingual vectors, if it has them.
    """
    with storage_errors(index_dir), writer(index_dir):
        build, manifest = write_build(corpus, index_dir, model, multilingual)
        remove_debris(index_dir, keep=build.name)
    return manifest


@contextmanager
def storage_errors(index_dir: Path) -> Iterator[None]:
    """Check ``index_dir`` first, make it, and turn a failure to write in it into IndexStorageError."""
    check_index_dir(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as err:
        raise IndexStorageError(
            f"cannot write the index in {index_dir} ({err.strerror or err}): "
            "make the folder writable, free some space, or choose another index folder"
        ) from err


def write_build(corpus: Corpus, index_dir: Path, model: str, multilingual: str | None = None) -> tuple[Path, dict]:
    """Write ``corpus`` as a new build and put it in service; the caller holds ``writer``.

    Returns the build folder and its manifest. Clearing up is left to the caller, who
    may first move its own lease from the old build to this one.
    """
    name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        _write_build(corpus, tmp)
        files = {p.relative_to(tmp).as_posix(): _sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
        manifest = _manifest(corpus, model, files, multilingual)
        _write_json(tmp / "manifest.json", manifest)
        (tmp / READERS).touch()
        _fsync_tree(tmp)
        os.replace(tmp, index_dir / name)
        _point_to(index_dir, name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if current_build(index_dir) != index_dir / name:  # never put in service: debris
            shutil.rmtree(index_dir / name, ignore_errors=True)
        raise
    return index_dir / name, manifest


def _write_build(corpus: Corpus, folder: Path) -> None:
    bounds = document_bounds(corpus)
    spans = np.stack([corpus.paragraphs, corpus.starts, corpus.ends], axis=1).tolist()
    documents = [
        {**asdict(d), "sentences": spans[bounds[i] : bounds[i + 1]]} for i, d in enumerate(corpus.documents)
    ]
    _write_json(folder / "documents.json", documents)
    # What is derived from the texts, so that opening the build need not derive it again.
    np.save(folder / "kinds.npy", corpus.kinds)
    _write_json(folder / "words.json", {"words": sorted(corpus.words), "proper": sorted(corpus.proper)})
    faiss.write_index(corpus.dense, str(folder / "sentences.faiss"))
    if corpus.coarse is not None:
        faiss.write_index(corpus.coarse, str(folder / "sentences-coarse.faiss"))
    if corpus.bm25_sentences is not None:
        save_bm25(corpus.bm25_sentences, folder / "bm25-sentences")
        save_bm25(corpus.bm25_chunks, folder / "bm25-chunks")
    if corpus.tokens is not None:
        save_codes(folder / "tokens.npy", corpus.tokens.codes)
        np.save(folder / "token-scales.npy", corpus.tokens.scales)
        np.save(folder / "token-ids.npy", corpus.tokens.ids)
        np.save(folder / "token-offsets.npy", corpus.tokens.offsets)
        np.save(folder / "token-rarity.npy", corpus.rarity)
    if corpus.dense_multilingual is not None:
        faiss.write_index(corpus.dense_multilingual, str(folder / "multilingual.faiss"))
        if corpus.coarse_multilingual is not None:
            faiss.write_index(corpus.coarse_multilingual, str(folder / "multilingual-coarse.faiss"))


def _manifest(corpus: Corpus, model: str, files: dict[str, str], multilingual: str | None = None) -> dict:
    counts: dict[int, int] = {}
    for s in corpus.sentences:
        counts[s.doc] = counts.get(s.doc, 0) + 1
    return {
        "format": FORMAT,
        "model": model,
        "dimension": corpus.dimension,
        "multilingual": (
            {"model": multilingual, "dimension": int(corpus.multilingual.shape[1])}
            if multilingual and corpus.multilingual is not None else None
        ),
        "params": corpus.params.to_dict(),
        "versions": library_versions(),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": {"documents": len(corpus.documents), "sentences": len(corpus.sentences)},
        "documents": [{"path": d.path, "sha256": d.sha256, "sentences": counts.get(i, 0)} for i, d in enumerate(corpus.documents)],
        "files": files,
    }


def _point_to(index_dir: Path, name: str) -> None:
    tmp = index_dir / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, index_dir / POINTER)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(index_dir)


def remove_debris(index_dir: Path, keep: str) -> None:
    """Remove what no one uses: builds other than ``keep`` that no process serves, and a
    dead writer's temporary files. The caller holds ``writer`` (the module's rule)."""
    for path in index_dir.iterdir():
        if path.name in (keep, POINTER):
            continue
        if path.name.startswith("build-") and path.is_dir():
            remove_unless_served(path)
        elif path.name.startswith((".tmp-build-", f".{POINTER}.", "build-")):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def collect(index_dir: Path) -> None:
    """Clear up builds that no process serves any more, unless a writer is at work.

    Called by a process that has just stopped serving an old build: that build was
    left behind by the builder while this process still read it. Never waits; a busy
    writer clears up itself when it is done.
    """
    with writer_if_free(index_dir) as free:
        if not free:
            return
        build = current_build(index_dir)
        if build is not None and build.is_dir():
            remove_debris(index_dir, keep=build.name)


def current_build(index_dir: Path) -> Path | None:
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not name.startswith("build-") or "/" in name:
        return None
    return index_dir / name


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest in service, or None when there is no usable one."""
    folder = current_build(index_dir)
    if folder is None:
        return None
    try:
        return build_manifest(folder)
    except CorruptIndex:
        return None


def build_manifest(build: Path) -> dict:
    """The manifest of one build folder; CorruptIndex when it is missing or unusable."""
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CorruptIndex(f"manifest.json is unreadable ({type(err).__name__}: {err})") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CorruptIndex(f"manifest.json is not a format {FORMAT} manifest")
    return manifest


def load(index_dir: Path, manifest: dict, build: Path | None = None) -> Corpus:
    """The corpus of a build (default: the one in service), checked file by file against its manifest.

    Pass the ``build`` whose manifest was read: CURRENT may name another one by now.
    """
    folder = build if build is not None else current_build(index_dir)
    if folder is None:
        raise CorruptIndex("no build in service")
    files = dict(manifest["files"])
    # The token codes are most of a build's bytes and are only ever read as bytes
    # (token_file.StoredCodes), harmless whatever they hold, so their hash is checked on
    # the other core while the rest loads (a second at 100,000 sentences). Every other
    # file is checked before it is read: FAISS may abort the process on a damaged file
    # rather than raise.
    late = {rel: files.pop(rel) for rel in _CHECKED_WHILE_LOADING if rel in files}
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(_check, folder, late)
        corpus = _load(folder, manifest, files)
        checked.result()
    return corpus


_CHECKED_WHILE_LOADING = ("tokens.npy",)


def _check(folder: Path, files: dict[str, str]) -> None:
    for rel, digest in files.items():
        try:
            matches = _sha256(folder / rel) == digest
        except OSError as err:
            raise CorruptIndex(f"{rel} is unreadable ({err})") from err
        if not matches:
            raise CorruptIndex(f"{rel} does not match the manifest")


def _load(folder: Path, manifest: dict, files: dict[str, str]) -> Corpus:
    try:
        _check(folder, files)
        raw_docs = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        documents, sentences = _documents(raw_docs)
        params = IndexParams(**manifest["params"])
        # Exact (flat) indexes hold the vectors themselves: no second copy on disk.
        dense = faiss.read_index(str(folder / "sentences.faiss"))
        has_bm25 = (folder / "bm25-sentences").is_dir()
        coarse = None
        if (folder / "sentences-coarse.faiss").is_file():
            coarse = prepared(faiss.read_index(str(folder / "sentences-coarse.faiss")))
        dense_multilingual = coarse_multilingual = None
        if manifest.get("multilingual") and (folder / "multilingual.faiss").is_file():
            dense_multilingual = faiss.read_index(str(folder / "multilingual.faiss"))
            if (folder / "multilingual-coarse.faiss").is_file():
                coarse_multilingual = prepared(faiss.read_index(str(folder / "multilingual-coarse.faiss")))
        # Builds from before these were stored derive them again (slower to open, the same answers).
        derived = json.loads((folder / "words.json").read_text(encoding="utf-8")) if (folder / "words.json").is_file() else {}
        corpus = Corpus(
            documents,
            sentences,
            flat_vectors(dense),
            params,
            dense=dense,
            coarse=coarse,
            bm25_sentences=load_bm25(folder / "bm25-sentences") if has_bm25 else None,
            bm25_chunks=load_bm25(folder / "bm25-chunks") if has_bm25 else None,
            tokens=load_tokens(folder),
            multilingual=flat_vectors(dense_multilingual) if dense_multilingual is not None else None,
            dense_multilingual=dense_multilingual,
            coarse_multilingual=coarse_multilingual,
            kinds=np.load(folder / "kinds.npy") if (folder / "kinds.npy").is_file() else None,
            words=frozenset(derived["words"]) if "words" in derived else None,
            proper=frozenset(derived["proper"]) if "proper" in derived else None,
            rarity=np.load(folder / "token-rarity.npy") if (folder / "token-rarity.npy").is_file() else None,
        )
    except CorruptIndex:
        raise
    except Exception as err:  # any unreadable piece means the same thing: rebuild
        raise CorruptIndex(f"{type(err).__name__}: {err}") from err
    if len(corpus.sentence_vectors) != len(sentences):
        raise CorruptIndex("vector count does not match the sentences")
    return corpus


def mapped(corpus: Corpus, build: Path) -> Corpus:
    """``corpus``, just written as ``build``, reading its token codes from the build's file
    like a process that opened it: a process serves what it built at the size it would
    serve it after a restart."""
    if corpus.tokens is None:
        return corpus
    return replace(corpus, tokens=load_tokens(build))


def load_tokens(build: Path) -> TokenVectors | None:
    """A build's token vectors, the codes left in their file and read as questions need them
    (``token_file.StoredCodes``); the scales, ids and offsets, a tenth of the bytes, in memory."""
    if not (build / "tokens.npy").is_file():
        return None
    return TokenVectors(
        StoredCodes(build / "tokens.npy"),
        *(np.load(build / f"{name}.npy") for name in ("token-scales", "token-ids", "token-offsets")),
    )


def _documents(raw: list[dict]) -> tuple[list[Document], list[Sentence]]:
    documents, sentences = [], []
    for i, item in enumerate(raw):
        spans = item.pop("sentences")
        doc = Document(**item)
        documents.append(doc)
        for paragraph, start, end in spans:
            sentences.append(Sentence(i, paragraph, start, end, doc.text[start:end]))
    return documents, sentences
