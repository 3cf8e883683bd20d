"""Saved indexes: start without re-analysing every paragraph, never from a stale or broken file.

A snapshot holds what is expensive to compute (the BM25 arrays and the analyser's vocabulary),
not the articles themselves: those are re-read from the sources directory, which is cheap and
lets the snapshot prove it matches them. The fingerprint covers the format version, the analysis
code version, the BM25 parameters and every source file's bytes; any difference means rebuild.

File layout: ``MAGIC``, an 8-byte little-endian header length, a JSON header (format, fingerprint,
vocabulary, analyser word counts, array dtypes/shapes/offsets), then the raw arrays, 64-byte
aligned, read back with ``np.memmap`` so loading costs no parsing of the postings. Writes go to a
temporary file that is renamed into place, so a reader sees the old file or the new one, never
half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.corpus import ARTICLE_SUFFIXES, CATALOG_FILE, Corpus
from retrieval.search import SearchEngine

MAGIC = b"SANADIX\x01"
FORMAT_VERSION = 1
# Bump whenever analysis or scoring changes what the same text indexes to.
ANALYSIS_VERSION = "2026-11-23.2"
_ALIGN = 64
_ARRAYS = ("indptr", "doc_ids", "weights", "idf")


class SnapshotError(Exception):
    """The snapshot cannot be used (missing, foreign, corrupt or stale); rebuild from sources."""


def fingerprint(sources_dir: Path, params: BM25Params) -> str:
    """Digest of everything an index depends on."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}|{ANALYSIS_VERSION}|{asdict(params)}".encode())
    for path in sorted(sources_dir.iterdir()):
        relevant = path.suffix.lower() in ARTICLE_SUFFIXES or path.name == CATALOG_FILE
        if path.is_file() and relevant and not path.name.startswith("."):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def save_snapshot(engine: SearchEngine, path: Path, source_print: str) -> None:
    """Write ``engine``'s index to ``path`` atomically (temp file, fsync, rename)."""
    index = engine.index
    arrays = {name: np.ascontiguousarray(getattr(index, name)) for name in _ARRAYS}
    vocabulary = sorted(index.vocabulary, key=index.vocabulary.__getitem__)
    header: dict = {
        "format": FORMAT_VERSION,
        "fingerprint": source_print,
        "doc_count": index.doc_count,
        "vocabulary": vocabulary,
        "forms": dict(engine.analyzer.forms),
        "arrays": {},
    }
    offset = 0
    for name, array in arrays.items():
        offset = -(-offset // _ALIGN) * _ALIGN
        header["arrays"][name] = [array.dtype.str, list(array.shape), offset]
        offset += array.nbytes
    header["checksum"] = _checksum(arrays.values())
    header_bytes = json.dumps(header, ensure_ascii=False).encode()
    data_start = -(-(len(MAGIC) + 8 + len(header_bytes)) // _ALIGN) * _ALIGN

    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write(MAGIC + struct.pack("<Q", len(header_bytes)) + header_bytes)
        for name, array in arrays.items():
            handle.seek(data_start + header["arrays"][name][2])
            handle.write(array.tobytes())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def load_snapshot(path: Path, corpus: Corpus, expected: str, params: BM25Params) -> SearchEngine:
    """The engine saved at ``path`` for exactly these sources, or :class:`SnapshotError`."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise SnapshotError(f"{path} is not a Sanad index snapshot")
            (length,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(length))
    except FileNotFoundError as exc:
        raise SnapshotError(f"no snapshot at {path}") from exc
    except (OSError, struct.error, ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
    if header.get("format") != FORMAT_VERSION or header.get("fingerprint") != expected:
        raise SnapshotError(f"snapshot {path} was built from other sources or another version")
    data_start = -(-(len(MAGIC) + 8 + length) // _ALIGN) * _ALIGN
    try:
        arrays = {
            name: np.memmap(
                path,
                dtype=np.dtype(dtype),
                mode="r",
                offset=data_start + offset,
                shape=tuple(shape),
            )
            for name, (dtype, shape, offset) in header["arrays"].items()
        }
        vocabulary = {term: i for i, term in enumerate(header["vocabulary"])}
        doc_count = int(header["doc_count"])
        if doc_count != len(corpus.paragraphs) or len(arrays["indptr"]) != len(vocabulary) + 1:
            raise SnapshotError(f"snapshot {path} does not match the loaded articles")
        if _checksum(arrays[name] for name in _ARRAYS) != header.get("checksum"):
            raise SnapshotError(f"corrupt snapshot {path}: checksum mismatch")
        index = BM25Index(
            vocabulary,
            arrays["indptr"],
            arrays["doc_ids"],
            arrays["weights"],
            arrays["idf"],
            doc_count,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"corrupt snapshot {path}: {exc}") from exc
    analyzer = Analyzer(Counter(header["forms"]), corpus.aliases)
    return SearchEngine(corpus, analyzer, index, params)


def _checksum(arrays: object) -> str:
    """BLAKE2b of the arrays' bytes: detects a damaged file at a fraction of a rebuild's cost."""
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:  # type: ignore[attr-defined]
        digest.update(memoryview(np.ascontiguousarray(array)).cast("B"))
    return digest.hexdigest()
