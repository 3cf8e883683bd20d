"""Paragraph text kept out of Python objects until a passage is shown.

A million paragraphs as Python strings and dataclasses cost over a gigabyte and seconds to
unpickle. Here every paragraph's UTF-8 text sits in one byte array (in a loaded snapshot, a
:class:`~retrieval.filearray.FileArray` read with ``pread``), found through an offsets array; its
article, locator and heading are small integer arrays. A :class:`Paragraph` object exists only
for a passage being answered with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import Protocol, overload

import numpy as np
import numpy.typing as npt

from retrieval.corpus import Article, Paragraph
from retrieval.filearray import FileArray, ReadOnlyFile


class ParagraphStore(Sequence[Paragraph]):
    """An immutable sequence of paragraphs backed by flat arrays; articles stay contiguous."""

    def __init__(
        self,
        articles: list[Article],
        headings: list[str],
        text: npt.NDArray[np.uint8] | FileArray,
        offsets: npt.NDArray[np.int64],
        article_ids: npt.NDArray[np.int32],
        numbers: npt.NDArray[np.int32],
        heading_ids: npt.NDArray[np.int32],
    ) -> None:
        self.articles = articles
        self.headings = headings  # headings[0] is "": no heading
        self.text = text
        self.offsets = offsets
        self.article_ids = article_ids
        self.numbers = numbers
        self.heading_ids = heading_ids

    @classmethod
    def from_paragraphs(
        cls, articles: list[Article], paragraphs: Iterable[Paragraph]
    ) -> ParagraphStore:
        """Pack in-memory paragraphs (whose articles are listed in ``articles``, in order)."""
        article_index = {id(article): i for i, article in enumerate(articles)}
        heading_index: dict[str, int] = {"": 0}
        encoded: list[bytes] = []
        article_ids: list[int] = []
        numbers: list[int] = []
        heading_ids: list[int] = []
        for paragraph in paragraphs:
            encoded.append(paragraph.text.encode("utf-8"))
            article_ids.append(article_index[id(paragraph.article)])
            numbers.append(paragraph.number)
            heading_ids.append(heading_index.setdefault(paragraph.heading, len(heading_index)))
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return cls(
            articles,
            list(heading_index),
            np.frombuffer(b"".join(encoded), dtype=np.uint8),
            offsets,
            np.asarray(article_ids, dtype=np.int32),
            np.asarray(numbers, dtype=np.int32),
            np.asarray(heading_ids, dtype=np.int32),
        )

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def file(self) -> ReadOnlyFile | None:
        """The snapshot file the text is read from; None when the text is in memory."""
        return self.text.file if isinstance(self.text, FileArray) else None

    @overload
    def __getitem__(self, index: int) -> Paragraph: ...

    @overload
    def __getitem__(self, index: slice) -> list[Paragraph]: ...

    def __getitem__(self, index: int | slice) -> Paragraph | list[Paragraph]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        return Paragraph(
            self.article_of(index),
            int(self.numbers[index]),
            self.text_of(index),
            self.headings[int(self.heading_ids[index])],
            self.part_of(index),
        )

    def part_of(self, index: int) -> int:
        """Which part of its paragraph entry ``index`` is (0: the whole paragraph).

        Not stored: the parts of a split paragraph are consecutive entries of one article with
        one number, and numbers only grow within an article, so two binary searches find them.
        """
        number = self.numbers[index]
        article = self.article_ids[index]
        first = int(np.searchsorted(self.article_ids, article, side="left"))
        last = int(np.searchsorted(self.article_ids, article, side="right"))
        numbers = self.numbers[first:last]
        start = first + int(np.searchsorted(numbers, number, side="left"))
        end = first + int(np.searchsorted(numbers, number, side="right"))
        return 0 if end - start == 1 else index - start + 1

    def __iter__(self) -> Iterator[Paragraph]:
        return (self[i] for i in range(len(self)))

    def article_of(self, index: int) -> Article:
        """The article of paragraph ``index``, without reading its text."""
        return self.articles[int(self.article_ids[index])]

    def text_of(self, index: int) -> str:
        """The exact text of paragraph ``index``."""
        start, end = int(self.offsets[index]), int(self.offsets[index + 1])
        return self.text[start:end].tobytes().decode("utf-8")

    def paragraph_counts(self) -> list[int]:
        """How many paragraphs each article has, in article order."""
        return np.bincount(self.article_ids, minlength=len(self.articles)).tolist()

    @cached_property
    def article_digests(self) -> dict[str, str]:
        """A digest per article file of its attribution, locators and texts: what changed.

        Kept once computed (the store never changes): a reload compares the serving engine's
        digests with the new one's, and at a million paragraphs each is a pass over 500 MB.
        """
        starts = np.searchsorted(self.article_ids, np.arange(len(self.articles) + 1))
        digests = {}
        for i, article in enumerate(self.articles):
            first, last = int(starts[i]), int(starts[i + 1])
            digest = hashlib.sha256(repr(article).encode())
            digest.update(self.numbers[first:last].tobytes())
            digest.update(self.offsets[first : last + 1] - self.offsets[first])
            headings = (self.headings[h] for h in self.heading_ids[first:last].tolist())
            digest.update("\0".join(headings).encode())
            digest.update(self.text[self.offsets[first] : self.offsets[last]])
            digests[article.file] = digest.hexdigest()
        return digests


class TextSink(Protocol):
    """Where a :class:`StoreBuilder` puts paragraph text, and how the built store reads it."""

    def write(self, data: npt.NDArray[np.uint8]) -> None: ...

    def text(self) -> npt.NDArray[np.uint8] | FileArray: ...


class MemoryText:
    """Paragraph text in one preallocated in-memory blob."""

    def __init__(self, capacity: int) -> None:
        self._blob = np.empty(capacity, dtype=np.uint8)
        self._used = 0

    def write(self, data: npt.NDArray[np.uint8]) -> None:
        if self._used + len(data) > len(self._blob):  # more text than promised: grow (rare)
            self._blob = np.concatenate([self._blob[: self._used], data])
        else:
            self._blob[self._used : self._used + len(data)] = data
        self._used += len(data)

    def text(self) -> npt.NDArray[np.uint8]:
        return self._blob[: self._used]


class StoreBuilder:
    """Concatenates stores in order into one, each text written to ``text`` as it arrives.

    Workers send their parts one by one; writing each into place lets its memory be freed
    before the next, where a final concatenation would hold everything twice. The sink can be
    the snapshot file being written (:class:`retrieval.snapshot.SnapshotWriter`), so a
    million paragraphs' text never sits in the indexing process's memory at all.
    """

    def __init__(self, text: TextSink) -> None:
        self._text = text
        self._used = 0
        self._articles: list[Article] = []
        self._headings: list[str] = [""]
        self._offsets = [np.zeros(1, dtype=np.int64)]
        self._article_ids: list[npt.NDArray[np.int32]] = []
        self._numbers: list[npt.NDArray[np.int32]] = []
        self._heading_ids: list[npt.NDArray[np.int32]] = []

    def add(self, part: ParagraphStore) -> None:
        size = int(part.offsets[-1])
        self._text.write(part.text[:size])
        self._offsets.append(part.offsets[1:] + self._used)
        self._used += size
        self._article_ids.append(part.article_ids + len(self._articles))
        heading_map = np.arange(len(part.headings), dtype=np.int32) + len(self._headings) - 1
        heading_map[0] = 0
        self._heading_ids.append(heading_map[part.heading_ids])
        self._numbers.append(part.numbers)
        self._articles.extend(part.articles)
        self._headings.extend(part.headings[1:])

    def build(self) -> ParagraphStore:
        def joined(arrays: list[npt.NDArray[np.int32]]) -> npt.NDArray[np.int32]:
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int32)

        return ParagraphStore(
            self._articles,
            self._headings,
            self._text.text(),
            np.concatenate(self._offsets),
            joined(self._article_ids),
            joined(self._numbers),
            joined(self._heading_ids),
        )
