"""Kizuna's answer engine: documents -> sentences -> hybrid index -> quoted answers.

Pure Python over numpy, FAISS, bm25s and sentence-transformers. It never imports
discord and never reads the environment: paths and model names are arguments.
"""
from __future__ import annotations

from .answer import Answer, BuildReport, DocumentInfo, Passage
from .corpus import IndexParams
from .engine import Engine
from .errors import (
    IndexBuildError,
    InvalidQuestion,
    KizunaError,
    ModelLoadError,
    RebuildInProgress,
    UnknownDocument,
    UploadRefused,
)
from .library import SHARED, Library, NoSuchScope

__all__ = [
    "Answer",
    "BuildReport",
    "DocumentInfo",
    "Engine",
    "IndexBuildError",
    "IndexParams",
    "InvalidQuestion",
    "KizunaError",
    "Library",
    "ModelLoadError",
    "NoSuchScope",
    "Passage",
    "RebuildInProgress",
    "SHARED",
    "UnknownDocument",
    "UploadRefused",
]
