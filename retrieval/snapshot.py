"""Saved indexes: start in under a second, never from a stale or broken file.

A snapshot holds everything a search engine needs: the BM25 arrays, the analyser's vocabulary,
and the articles themselves (attribution in the header; paragraph text as one UTF-8 blob with
offsets). Loading parses nothing per paragraph: small arrays are memory-mapped, the postings
and the text are read slice by slice with ``pread`` (:mod:`retrieval.filearray`), so a million
paragraphs load as fast as five and stay on disk (in the page cache) until a query reads them.

The fingerprint covers the format version, the analysis code version, the BM25 parameters and
every source file's name, size and modification time (content hashing would read the whole
archive at every start). Any difference means rebuild.

File layout: ``MAGIC``, the header's length (8 bytes) and CRC-32 (4 bytes), a JSON header, then
the raw arrays, 64-byte aligned. A CRC-32 of the array bytes is checked at every load by
streaming the file in a thread while the engine is set up (a few hundred ms per GB; streaming,
unlike touching a map, adds nothing to resident memory).
Writes go to a temporary file that is fsynced and renamed into place, so a reader sees the old
file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.corpus import CATALOG_FILE, Article, Corpus, Skipped, article_files
from retrieval.filearray import FileArray, ReadOnlyFile
from retrieval.search import SearchEngine
from retrieval.store import ParagraphStore

MAGIC = b"SANADIX\x03"
FORMAT_VERSION = 3
# Bump whenever analysis or scoring changes what the same text indexes to.
ANALYSIS_VERSION = "2026-11-23.2"
_ALIGN = 64
_INDEX_ARRAYS = ("indptr", "doc_ids", "weights", "idf")
_STORE_ARRAYS = ("text", "offsets", "article_ids", "numbers", "heading_ids")
_CHUNK = 8 << 20
# After MAGIC: the header's length and its CRC-32, little-endian.
_PREFIX = "<QI"
# Large and read a slice at a time: read with pread, not mapped (see retrieval.filearray).
_READ_ARRAYS = ("doc_ids", "weights", "text")


class SnapshotError(Exception):
    """The snapshot cannot be used (missing, foreign, corrupt or stale); rebuild from sources."""


def fingerprint(sources_dir: Path, params: BM25Params) -> str:
    """Digest of everything an index depends on (source files by name, size and mtime)."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}|{ANALYSIS_VERSION}|{asdict(params)}".encode())
    paths = article_files(sources_dir)
    if (sources_dir / CATALOG_FILE).is_file():
        paths.append(sources_dir / CATALOG_FILE)
    for path in paths:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def save_snapshot(engine: SearchEngine, path: Path, source_print: str) -> None:
    """Write ``engine`` (index and articles) to ``path`` atomically: temp file, fsync, rename."""
    index, corpus = engine.index, engine.corpus
    store = corpus.paragraphs
    assert isinstance(store, ParagraphStore)  # every engine is built over a store
    arrays = {name: np.ascontiguousarray(getattr(index, name)) for name in _INDEX_ARRAYS}
    arrays |= {name: np.ascontiguousarray(getattr(store, name)) for name in _STORE_ARRAYS}
    header: dict = {
        "format": FORMAT_VERSION,
        "fingerprint": source_print,
        "doc_count": index.doc_count,
        "vocabulary": sorted(index.vocabulary, key=index.vocabulary.__getitem__),
        "forms": dict(engine.analyzer.forms),
        "aliases": corpus.aliases,
        "articles": [asdict(a) for a in store.articles],
        "headings": store.headings,
        "skipped": [[s.file, s.reason] for s in corpus.skipped],
        "arrays": {},
    }
    offset = 0
    crc = 0
    for name, array in arrays.items():
        padding = -offset % _ALIGN
        crc = zlib.crc32(memoryview(array).cast("B"), zlib.crc32(bytes(padding), crc))
        offset += padding
        header["arrays"][name] = [array.dtype.str, list(array.shape), offset]
        offset += array.nbytes
    header["crc32"] = crc
    header["data_bytes"] = offset
    header_bytes = json.dumps(header, ensure_ascii=False).encode()
    data_start = _data_start(len(header_bytes))

    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            prefix = struct.pack(_PREFIX, len(header_bytes), zlib.crc32(header_bytes))
            handle.write(MAGIC + prefix + header_bytes)
            handle.write(bytes(data_start - handle.tell()))
            for name, array in arrays.items():
                handle.write(bytes(data_start + header["arrays"][name][2] - handle.tell()))
                handle.write(memoryview(array).cast("B"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def load_snapshot(path: Path, expected: str, params: BM25Params) -> SearchEngine:
    """The engine saved at ``path`` for exactly these sources, or :class:`SnapshotError`."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise SnapshotError(f"{path} is not a Sanad index snapshot of this version")
            length, header_crc = struct.unpack(_PREFIX, handle.read(struct.calcsize(_PREFIX)))
            header_bytes = handle.read(length)
            if zlib.crc32(header_bytes) != header_crc:
                raise SnapshotError(f"corrupt snapshot {path}: header checksum mismatch")
            header = json.loads(header_bytes)
            if header.get("format") != FORMAT_VERSION or header.get("fingerprint") != expected:
                raise SnapshotError(
                    f"snapshot {path} was built from other sources or another version"
                )
            data_start = _data_start(length)
            if os.fstat(handle.fileno()).st_size != data_start + header["data_bytes"]:
                raise SnapshotError(f"corrupt snapshot {path}: truncated or padded")
    except FileNotFoundError as exc:
        raise SnapshotError(f"no snapshot at {path}") from exc
    except (OSError, struct.error, ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise SnapshotError(f"corrupt snapshot {path}: missing {exc}") from exc
    # The data checksum streams the file while the engine is set up: zlib and file reads
    # release the GIL, so the two overlap on two cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        crc = pool.submit(_file_crc, path, data_start, header["data_bytes"])
        try:
            engine = _engine(path, header, data_start, params)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise SnapshotError(f"corrupt snapshot {path}: {exc}") from exc
        try:
            if crc.result() != header["crc32"]:
                raise SnapshotError(f"corrupt snapshot {path}: checksum mismatch")
        except OSError as exc:
            raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
    return engine


def _engine(path: Path, header: dict, data_start: int, params: BM25Params) -> SearchEngine:
    file = ReadOnlyFile(path)
    arrays: dict = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        if name in _READ_ARRAYS:
            (length,) = shape
            arrays[name] = FileArray(file, data_start + offset, np.dtype(dtype), length)
        else:
            arrays[name] = np.memmap(
                path, np.dtype(dtype), mode="r", offset=data_start + offset, shape=tuple(shape)
            )
    vocabulary = {term: i for i, term in enumerate(header["vocabulary"])}
    doc_count = int(header["doc_count"])
    if len(arrays["indptr"]) != len(vocabulary) + 1 or len(arrays["numbers"]) != doc_count:
        raise ValueError("array sizes do not match the header")
    index = BM25Index(
        vocabulary,
        arrays["indptr"],
        arrays["doc_ids"],
        arrays["weights"],
        arrays["idf"],
        doc_count,
    )
    articles = [Article(**fields) for fields in header["articles"]]
    store = ParagraphStore(articles, header["headings"], *(arrays[name] for name in _STORE_ARRAYS))
    corpus = Corpus(
        articles=articles,
        paragraphs=store,
        skipped=[Skipped(file, reason) for file, reason in header["skipped"]],
        aliases=header["aliases"],
    )
    analyzer = Analyzer(Counter(header["forms"]), corpus.aliases)
    return SearchEngine(corpus, analyzer, index, params)


def _data_start(header_length: int) -> int:
    return -(-(len(MAGIC) + struct.calcsize(_PREFIX) + header_length) // _ALIGN) * _ALIGN


def _file_crc(path: Path, start: int, size: int) -> int:
    """CRC-32 of ``size`` bytes of ``path`` from ``start``, read into one reused buffer."""
    view = memoryview(bytearray(_CHUNK))
    crc = 0
    with open(path, "rb", buffering=0) as handle:
        handle.seek(start)
        while size > 0:
            read = handle.readinto(view[: min(_CHUNK, size)])
            if not read:
                break
            crc = zlib.crc32(view[:read], crc)
            size -= read
    return crc
