"""Exceptions the engine raises; the bot and the command line turn them into messages."""
from __future__ import annotations


class KizunaError(Exception):
    """Base class: every expected failure of the engine."""


class InvalidQuestion(KizunaError):
    """The question is empty, too long or otherwise unusable."""


class UnknownDocument(KizunaError):
    """A search was restricted to a document the index does not hold."""


class RebuildInProgress(KizunaError):
    """A rebuild was asked for while another one is running."""


class IndexBuildError(KizunaError):
    """Building the index failed; the previous index (if any) is still serving."""


class ModelLoadError(KizunaError):
    """The embedding model could not be loaded (wrong name, no network, bad files)."""


class IndexStorageError(IndexBuildError):
    """The index folder cannot hold an index: it is a file, cannot be written, or its CURRENT is not a file."""


class DataFileError(KizunaError):
    """A data file named by the caller (a question set, a SQuAD file) is missing or not in its format."""


class UploadRefused(KizunaError):
    """A document someone sent cannot be stored; the message says why, in words for them."""
