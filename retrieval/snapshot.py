"""Saved indexes: start in under a second, never from a stale or broken file.

A snapshot holds everything a search engine needs: the BM25 arrays, the articles themselves
(attribution in the header; paragraph text as one UTF-8 blob with offsets), and the vocabulary
tables built at index time (:mod:`retrieval.tables`): the index's terms, the analyser's
(every corpus word's term, the lexicon, names, acronyms, split-pair bits), the spelling index,
the trigram statistics, each paragraph's terms (:mod:`retrieval.forward`) and each term's
pattern root (:mod:`retrieval.roots`). Loading parses nothing per paragraph and runs nothing
per word: small arrays are copied into memory, the
postings, the paragraphs' terms, the text, the tables' strings and the tables only a question
word the collection lacks needs are read slice by slice with ``pread``
(:mod:`retrieval.filearray`), so a million paragraphs load as fast as five and stay on disk (in
the page cache) until a query reads them. Nothing is memory-mapped: touching a map of a file
truncated since kills the process (SIGBUS), where a short ``pread`` is an exception.

The fingerprint covers the format version, the code that builds what the snapshot holds (a
digest of the indexer's, the spelling index's and the trigram statistics' modules and of every
``retrieval`` module they import: :func:`retrieval.analysis.steps.source_digest`), which
analysis steps are on and each one's code, the BM25 parameters and every source file's name,
size and modification time (content hashing would read the whole archive at every start). Any
difference means rebuild: an upgraded Sanad never serves an index its predecessor analysed,
and an index built with a step switched off is never served with it on.

File layout: ``MAGIC``, the raw arrays (64-byte aligned, paragraph text first so that it can be
streamed in while sources are read), the JSON header, then a trailer: the header's offset,
length and CRC-32C, and ``MAGIC`` again (a truncated file has no trailer). A CRC-32C of the
array bytes is checked at every load by streaming the file in a thread while the engine is set
up (Castagnoli's polynomial, which x86's SSE 4.2 and ARMv8 compute in hardware: 12 GB/s here
against 1.4 for zlib's CRC-32, which made the check most of a 1M start; streaming, unlike
touching a map, adds nothing to resident memory).
Writes go to a temporary file that is fsynced and renamed into place, so a reader sees the old
file or the new one, never half of one, and the old one serves until the new one is complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import glob
import hashlib
import json
import logging
import os
import secrets
import socket
import struct
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from stat import S_ISREG

import crc32c
import numpy as np

from retrieval.analysis import Analyzer, Vocabulary
from retrieval.analysis.steps import DEFAULT_SETTINGS, AnalysisSettings, source_digest
from retrieval.bm25 import BM25Index, BM25Params
from retrieval.corpus import CATALOG_FILE, Article, Corpus, Skipped, article_files
from retrieval.filearray import FileArray, FileIdentity, ReadOnlyFile
from retrieval.forward import ForwardIndex
from retrieval.query.spelling import SpellingIndex
from retrieval.rerank import GramStatistics
from retrieval.roots import TermRoots
from retrieval.search import SearchEngine
from retrieval.store import ParagraphStore
from retrieval.tables import TermIds

MAGIC = b"SANADIX\x07"
FORMAT_VERSION = 8
# What builds the arrays a snapshot holds; their code, and every retrieval module it imports,
# is in the fingerprint (retrieval.analysis.steps.source_digest follows the imports).
_BUILDERS = (
    "retrieval.indexing",
    "retrieval.query.spelling",
    "retrieval.rerank",
    "retrieval.roots",
)
_ALIGN = 64
_INDEX_ARRAYS = ("indptr", "doc_ids", "weights", "idf")
_STORE_ARRAYS = ("text", "offsets", "article_ids", "numbers", "heading_ids")
_CHUNK = 8 << 20
ABANDONED_TEMP_SECONDS = 3600
# Before the closing MAGIC: the header's offset, length and CRC-32C, little-endian.
_TRAILER = "<QQI"
# Large and read a slice at a time: read with pread, not mapped (see retrieval.filearray); so
# are the strings of every vocabulary table (arrays named ….blob).
_READ_ARRAYS = ("doc_ids", "weights", "text")
# The analyser's vocabulary tables (retrieval.analysis.vocabulary), by this prefix.
_ANALYSIS = "analysis."
# The index's terms, the spelling index, the trigram statistics and each paragraph's terms
# (read a slice at a time, like the postings), by these names.
_VOCABULARY = "vocabulary"
_SPELLING = "spelling"
_GRAMS = "grams"
_FORWARD = "forward"
_ROOTS = "roots"
# Tables every answer reads (each word of the quoted paragraphs, each question term and gram):
# their keys and values are held in memory, their strings (only read to check a hit, which is
# then remembered) are read when needed. Every other table is read a slice at a time, when a
# question word the collection lacks asks (only its directory is held), like the postings.
_HOT_TABLES = ("analysis.forms.", "analysis.terms.", "vocabulary.", "grams.", "roots.")
_STRINGS = (".blob", ".offsets")
# Except the words' own strings and their terms': every word of every quoted paragraph is
# checked and its term read, in memory a few hundred nanoseconds, read from the file a few µs.
_HOT_STRINGS = ("analysis.forms.", "analysis.terms.")
# Arrays smaller than this are held in memory whatever they are: a read costs more than they
# do, and a small table (the Latin names' keys) is asked about for every pair of paragraph words.
_SMALL_BYTES = 1 << 20


log = logging.getLogger(__name__)


class SnapshotError(Exception):
    """The snapshot cannot be used (missing, foreign, corrupt or stale); rebuild from sources."""


@functools.cache
def code_digest() -> str:
    """Digest of the code that builds an index: a version number someone must remember to
    bump once let a changed stemmer load indexes the old one had built."""
    return hashlib.sha256("".join(map(source_digest, _BUILDERS)).encode()).hexdigest()


def fingerprint(
    sources_dir: Path, params: BM25Params, settings: AnalysisSettings = DEFAULT_SETTINGS
) -> str:
    """Digest of everything an index depends on: the code that builds it, which analysis
    steps are on (and each one's code), BM25's parameters, and the source files by name, size
    and mtime."""
    digest = hashlib.sha256(
        f"{FORMAT_VERSION}|{code_digest()}|{settings.fingerprint()}|{asdict(params)}".encode()
    )
    paths = article_files(sources_dir)
    if (sources_dir / CATALOG_FILE).is_file():
        paths.append(sources_dir / CATALOG_FILE)
    for path in paths:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


class SnapshotWriter:
    """A snapshot being written to a temporary file, renamed into place by :meth:`finish`.

    It is also a :class:`retrieval.store.TextSink`: while sources are read, paragraph text is
    streamed straight into the file (and read back from it by the engine being built), so the
    largest part of a big index is written once and never held in memory.

    The snapshot already at ``path`` is untouched until the new one is complete. The temporary
    file is named after this host and process and locked (``flock``) for as long as it is being
    written, so :func:`remove_dead_temp_files` can tell a dead build's leftovers from a live
    one. Any failure to write (a full disk, a read-only filesystem, a directory in the way)
    removes the temporary file and raises :class:`SnapshotWriteError`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temp = path.with_name(
            f".{path.name}.{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        )
        self._readback: ReadOnlyFile | None = None
        self._crc = 0
        self._arrays: dict[str, list] = {}
        self._text_bytes = 0
        try:
            self._handle = open(self.temp, "x+b")  # noqa: SIM115 - closed by finish or discard
        except OSError as exc:
            raise self._error(exc) from exc
        with self._cleaning_up_on_error():
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)  # released when the file closes
            self._handle.write(MAGIC)
            # On the disk now: a full disk stops the build before any source is read.
            self._handle.flush()
            self._text_start = self._align()

    def _error(self, exc: OSError) -> SnapshotWriteError:
        return SnapshotWriteError(
            f"could not write the index snapshot {self.path}: {exc.strerror or exc}"
        )

    @contextlib.contextmanager
    def _cleaning_up_on_error(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            self.discard()
            raise self._error(exc) from exc

    def _write(self, data: object) -> None:
        view = memoryview(data).cast("B")  # type: ignore[arg-type]
        self._crc = checksum(view, self._crc)
        self._handle.write(view)

    def _align(self) -> int:
        padding = -self._handle.tell() % _ALIGN
        self._write(bytes(padding))
        return self._handle.tell()

    def write(self, data: np.ndarray) -> None:
        """Append paragraph text (the text section is first, so it can grow as it comes)."""
        if self._arrays:
            raise RuntimeError("paragraph text must be written before the other arrays")
        with self._cleaning_up_on_error():
            self._write(np.ascontiguousarray(data))
        self._text_bytes += len(data)

    def text(self) -> FileArray:
        """The text written so far, read back from the file."""
        with self._cleaning_up_on_error():
            self._handle.flush()
            if self._readback is None:
                self._readback = ReadOnlyFile(self.temp, growing=True)
        return FileArray(self._readback, self._text_start, np.dtype(np.uint8), self._text_bytes)

    def finish(self, engine: SearchEngine, source_print: str) -> None:
        """Write the rest of ``engine``, the header and the trailer; fsync; rename into place."""
        with self._cleaning_up_on_error():
            self._write_rest(engine, source_print)
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self.temp, self.path)
        _sync_directory(self.path.parent)
        if self._readback is not None:  # the engine's text now reads a finished snapshot
            self._readback.path = self.path
            self._readback.seal()

    def _write_rest(self, engine: SearchEngine, source_print: str) -> None:
        index, corpus, store = engine.index, engine.corpus, engine.store
        if self._text_bytes == 0 and len(store.text):
            self._write(store.text[0 : len(store.text)])
            self._text_bytes = len(store.text)
        self._arrays["text"] = ["|u1", [self._text_bytes], self._text_start]
        arrays = {name: getattr(index, name) for name in _INDEX_ARRAYS}
        arrays |= {name: getattr(store, name) for name in _STORE_ARRAYS if name != "text"}
        vocabulary = engine.analyzer.vocabulary
        arrays |= {f"{_ANALYSIS}{name}": a for name, a in vocabulary.arrays().items()}
        arrays |= _term_ids(index.vocabulary).arrays(_VOCABULARY)
        arrays |= engine.gram_statistics.arrays(_GRAMS)
        arrays |= index.forward.arrays(_FORWARD)
        arrays |= engine.roots.arrays(_ROOTS)
        if engine.spelling is not None:
            arrays |= engine.spelling.arrays(_SPELLING)
        for name, array in arrays.items():
            array = np.ascontiguousarray(array[0 : len(array)])
            self._arrays[name] = [array.dtype.str, list(array.shape), self._align()]
            self._write(array)
        header = {
            "format": FORMAT_VERSION,
            "fingerprint": source_print,
            "doc_count": index.doc_count,
            "mean_length": index.mean_length,
            "gram_mean_length": engine.gram_statistics.mean_length,
            "analysis": vocabulary.header() | {"off": sorted(vocabulary.settings.off)},
            "aliases": corpus.aliases,
            "articles": [asdict(a) for a in store.articles],
            "headings": store.headings,
            "skipped": [[s.file, s.reason] for s in corpus.skipped],
            "arrays": self._arrays,
            "crc32c": self._crc,
        }
        header_bytes = json.dumps(header, ensure_ascii=False).encode()
        header_offset = self._handle.tell()
        self._handle.write(header_bytes)
        trailer = struct.pack(_TRAILER, header_offset, len(header_bytes), checksum(header_bytes))
        self._handle.write(trailer + MAGIC)

    def discard(self) -> None:
        """Give up: delete the temporary file, then close it.

        In that order: closing flushes buffered bytes, which fails again on a full disk.
        """
        with contextlib.suppress(OSError):
            self.temp.unlink()
        with contextlib.suppress(OSError):
            self._handle.close()


class SnapshotWriteError(Exception):
    """The snapshot could not be written; its temporary file is already removed.

    The message is one line for the operator: the path and the system's reason ("No space left
    on device", "Read-only file system", "Is a directory").
    """


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` survive a power cut (where the filesystem allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_dead_temp_files(path: Path) -> None:
    """Delete temp files of builds that died (killed, out of memory, a reboot) before renaming.

    A build holds an exclusive ``flock`` on its temp file while it writes, and names it after
    its host and process id. A file is removed when its lock is free and its writer is a dead
    process of this host (a live one may not have taken the lock yet), or when nobody has
    touched it for an hour: locks may not reach across hosts on a shared volume, so that is
    all a file of another host (or of an older Sanad) can be judged by. Never raises: cleaning
    up must not stop a start.
    """
    host = socket.gethostname()
    with contextlib.suppress(OSError):
        for temp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                if _remove_if_abandoned(temp, path, host):
                    log.info("removed the temp file of a dead snapshot build: %s", temp)


def _remove_if_abandoned(temp: Path, path: Path, host: str) -> bool:
    fd = os.open(temp, os.O_RDONLY | os.O_NONBLOCK)
    try:
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # being written right now
        # .<snapshot name>.<host>.<pid>.<random>.tmp
        writer = temp.name[len(path.name) + 2 : -len(".tmp")].rsplit(".", 2)
        dead_here = (
            len(writer) == 3
            and writer[0] == host
            and writer[1].isdigit()
            and not _alive(int(writer[1]))
        )
        if not dead_here and stat.st_mtime > time.time() - ABANDONED_TEMP_SECONDS:
            return False
        temp.unlink()
        return True
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (a zombie, dead but not yet reaped, does not)."""
    if Path("/proc/self/stat").exists():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return False
        return stat[stat.rindex(")") + 2] != "Z"
    try:  # no /proc (not Linux): ask the kernel
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def load_snapshot(
    path: Path,
    expected: str,
    params: BM25Params,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """The engine saved at ``path`` for exactly these sources, or :class:`SnapshotError`.

    Everything is read from one open file: a snapshot renamed over ``path`` meanwhile cannot
    mix into the one being loaded, and one rewritten in place meanwhile is refused.
    """
    try:
        file = ReadOnlyFile(path)
    except FileNotFoundError as exc:
        raise SnapshotError(f"no snapshot at {path}") from exc
    except OSError as exc:
        raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
    return _load(file, expected, params, settings)


def load_snapshot_file(
    path: Path,
    identity: FileIdentity,
    params: BM25Params,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
) -> SearchEngine:
    """The engine saved in the file ``path`` opens, which must be exactly ``identity`` (device,
    inode, size, modification time), whatever sources it was built from; else
    :class:`SnapshotError`.

    For a process serving an engine that another process already loaded and checked against
    its sources: ``path`` is that process's open file (``/proc/<pid>/fd/<fd>`` on Linux, which
    opens the very inode even after another snapshot was renamed over its name or it was
    deleted), so the snapshot's own fingerprint is trusted. Its checksums are checked as at
    any load.
    """
    try:
        file = ReadOnlyFile(path)
    except OSError as exc:
        raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
    if file.identity != identity:
        raise SnapshotError(f"{path} is no longer the snapshot {identity} (it is {file.identity})")
    return _load(file, None, params, settings)


def _load(
    file: ReadOnlyFile, expected: str | None, params: BM25Params, settings: AnalysisSettings
) -> SearchEngine:
    """The engine saved in ``file`` (built from the sources ``expected`` names, unless None)."""
    path = file.path
    try:
        header, header_offset = _read_header(file, expected)
    except (OSError, struct.error, ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
    # The data checksum streams the file while the engine is set up: the CRC and file reads
    # release the GIL, so the two overlap on two cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        crc = pool.submit(_file_crc, file, len(MAGIC), header_offset - len(MAGIC))
        try:
            engine = _engine(file, header, params, settings)
        except OSError as exc:
            raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise SnapshotError(f"corrupt snapshot {path}: {exc}") from exc
        try:
            if crc.result() != header["crc32c"]:
                raise SnapshotError(f"corrupt snapshot {path}: checksum mismatch")
            file.check()
        except (OSError, KeyError) as exc:
            raise SnapshotError(f"unreadable snapshot {path}: {exc}") from exc
    return engine


def _read_header(file: ReadOnlyFile, expected: str | None) -> tuple[dict, int]:
    """The snapshot's header (checked against ``expected``, unless None) and where it starts."""
    path, fd = file.path, file.fd
    tail = struct.calcsize(_TRAILER) + len(MAGIC)
    if os.pread(fd, len(MAGIC), 0) != MAGIC:
        raise SnapshotError(f"{path} is not a Sanad index snapshot of this version")
    size = os.fstat(fd).st_size
    ending = os.pread(fd, tail, max(size - tail, 0))
    if len(ending) != tail or ending[-len(MAGIC) :] != MAGIC:
        raise SnapshotError(f"corrupt snapshot {path}: its end is missing or damaged")
    header_offset, length, header_crc = struct.unpack(_TRAILER, ending[: -len(MAGIC)])
    if header_offset + length + tail != size:
        raise SnapshotError(f"corrupt snapshot {path}: truncated or padded")
    header_bytes = os.pread(fd, length, header_offset)
    if checksum(header_bytes) != header_crc:
        raise SnapshotError(f"corrupt snapshot {path}: header checksum mismatch")
    header = json.loads(header_bytes)
    other_sources = expected is not None and header.get("fingerprint") != expected
    if header.get("format") != FORMAT_VERSION or other_sources:
        raise SnapshotError(f"snapshot {path} was built from other sources or another version")
    return header, header_offset


def _engine(
    file: ReadOnlyFile, header: dict, params: BM25Params, settings: AnalysisSettings
) -> SearchEngine:
    arrays: dict = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        if _read_in_place(name, int(np.prod(shape)) * np.dtype(dtype).itemsize):
            (length,) = shape
            arrays[name] = FileArray(file, offset, np.dtype(dtype), length)
        else:  # small, and read by every question: copied into memory, never mapped
            arrays[name] = file.read_array(offset, np.dtype(dtype), tuple(shape))
    vocabulary = TermIds.from_arrays(_VOCABULARY, arrays)
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
        float(header["mean_length"]),
        ForwardIndex.from_arrays(_FORWARD, arrays, doc_count, len(vocabulary)),
    )
    articles = [Article(**fields) for fields in header["articles"]]
    store = ParagraphStore(articles, header["headings"], *(arrays[name] for name in _STORE_ARRAYS))
    corpus = Corpus(
        articles=articles,
        paragraphs=store,
        skipped=[Skipped(name, reason) for name, reason in header["skipped"]],
        aliases=header["aliases"],
    )
    tables = {
        name.removeprefix(_ANALYSIS): array
        for name, array in arrays.items()
        if name.startswith(_ANALYSIS)
    }
    analyzer = Analyzer(Vocabulary.from_arrays(tables, header["analysis"], settings))
    spelling = (
        SpellingIndex.from_arrays(_SPELLING, arrays, vocabulary, index.indptr)
        if settings.on("spelling")
        else None
    )
    grams = GramStatistics.from_arrays(
        _GRAMS, arrays, header["gram_mean_length"], len(vocabulary)
    )
    roots = TermRoots.from_arrays(_ROOTS, arrays, len(vocabulary))
    return SearchEngine(
        corpus, analyzer, index, params, spelling=spelling, grams=grams, roots=roots
    )


def _read_in_place(name: str, size: int) -> bool:
    """Whether an array (of ``size`` bytes) is read with pread a slice at a time rather than
    held in memory."""
    if name in _READ_ARRAYS:
        return True
    if "." not in name or size < _SMALL_BYTES:
        return False  # the index's and the store's arrays, and every small array
    if name.startswith(_HOT_STRINGS):
        return False
    if name.endswith(".directory"):  # the spelling index's is 17 MB at a million paragraphs
        return not name.startswith(_HOT_TABLES)
    return name.endswith(_STRINGS) or not name.startswith(_HOT_TABLES)


def _term_ids(vocabulary: Mapping[str, int]) -> TermIds:
    """An index's vocabulary as a table (an index built from term lists has a dict)."""
    if isinstance(vocabulary, TermIds):
        return vocabulary
    return TermIds.build(sorted(vocabulary, key=vocabulary.__getitem__))


def checksum(data: bytes | bytearray | memoryview, value: int = 0) -> int:
    """CRC-32C of ``data``, continuing ``value`` (the CRC of what came before it). The GIL is
    released from 32 KiB on, so a load's check runs beside the engine's set-up."""
    return crc32c.crc32c(data, value)


def _file_crc(file: ReadOnlyFile, start: int, size: int) -> int:
    """CRC-32C of ``size`` bytes of ``file`` from ``start``, read into one reused buffer."""
    buffer = memoryview(bytearray(_CHUNK))
    crc = 0
    while size > 0:
        view = buffer[: min(_CHUNK, size)]
        file.read_into(view, start)
        crc = checksum(view, crc)
        start += len(view)
        size -= len(view)
    return crc
