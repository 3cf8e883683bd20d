"""Real processes for tests: a serving process driven over pipes, and process-tree helpers.

``python tests/serving.py SOURCES [--progress FILE] [--fsize BYTES]`` opens a
:class:`~retrieval.library.Library` on SOURCES (snapshot ``SOURCES/.sanad-index``), prints
``{"ready": …}`` and then reads one command a line from stdin:

- ``ask QUESTION``: prints ``{"passages": [text, …]}``, or ``{"error": "…"}`` when answering
  raised (the process goes on);
- ``reload``: starts ``library.reload()`` in a thread, as a bot does off its event loop.

Its log goes to stderr, one record a line. ``--progress`` appends every progress event of the
build (indexing child included) to FILE; ``--fsize`` caps the size of any file the process
writes (``RLIMIT_FSIZE``: writes past it fail with EFBIG, as on a full disk).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ProgressLog:
    """A picklable progress callback appending ``stage done total`` lines to a file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, stage: str, done: int, total: int) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(f"{stage} {done} {total}\n")


def main(argv: list[str]) -> None:
    import argparse
    import logging
    import resource

    from retrieval.library import Library, default_snapshot

    parser = argparse.ArgumentParser()
    parser.add_argument("sources", type=Path)
    parser.add_argument("--progress")
    parser.add_argument("--fsize", type=int)
    args = parser.parse_args(argv)
    if args.fsize:
        resource.setrlimit(resource.RLIMIT_FSIZE, (args.fsize, args.fsize))
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
    progress = ProgressLog(args.progress) if args.progress else None
    library = Library.open(args.sources, default_snapshot(args.sources), progress)
    corpus = library.engine.corpus
    reply({"ready": {"articles": len(corpus.articles), "paragraphs": len(corpus.paragraphs)}})
    for line in sys.stdin:
        command, _, question = line.rstrip("\n").partition(" ")
        if command == "ask":
            try:
                answer = library.engine.answer(question)
                reply({"passages": [passage.text for passage in answer.passages]})
            except Exception as exc:
                reply({"error": repr(exc)})
        elif command == "reload":
            threading.Thread(target=library.reload, daemon=True).start()
            reply({"reloading": True})


def reply(message: dict) -> None:
    print(json.dumps(message, ensure_ascii=False), flush=True)


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


class ServingProcess:
    """``tests/serving.py`` run as a child of the test, with its output read by threads."""

    def __init__(self, sources: Path, *options: str, timeout: float = 120) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SANAD_")}
        environment["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__)), str(sources), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=ROOT,
            start_new_session=True,  # so that close() can end whatever it left
        )
        self.pid = self.process.pid
        self._replies: queue.Queue = queue.Queue()
        self._log: queue.Queue = queue.Queue()
        self.log: list[str] = []
        for stream, into in ((self.process.stdout, self._replies), (self.process.stderr, self._log)):
            threading.Thread(target=_lines, args=(stream, into), daemon=True).start()
        self.ready = self._reply(timeout)["ready"]

    def _reply(self, timeout: float) -> dict:
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply within {timeout} s; log: {self.read_log()}") from None
        if line is None:
            code = self.process.wait(timeout)
            raise AssertionError(f"serving process ended (status {code}); log: {self.read_log()}")
        return json.loads(line)

    def ask(self, question: str, timeout: float = 60) -> dict:
        self._send(f"ask {question}")
        return self._reply(timeout)

    def reload(self) -> None:
        self._send("reload")
        assert self._reply(30) == {"reloading": True}

    def _send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read_log(self) -> list[str]:
        """Every log line so far."""
        while True:
            try:
                line = self._log.get_nowait()
            except queue.Empty:
                return self.log
            if line is not None:
                self.log.append(line)

    def wait_for_log(self, text: str, timeout: float = 60) -> str:
        """The first log line holding ``text``, waiting for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            self.read_log()
            for line in self.log[seen:]:
                if text in line:
                    return line
            seen = len(self.log)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no log line with {text!r} within {timeout} s: {self.log}")
            try:
                line = self._log.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"serving process ended before logging {text!r}: {self.log}")
            self.log.append(line)

    def close(self) -> None:
        kill_group(self.pid)
        self.process.wait(30)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> ServingProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``condition`` every 10 ms until it is true; AssertionError naming ``what`` if not."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)
    return result


def _stat(pid: int | str) -> list[str] | None:
    """Fields 3… of /proc/PID/stat (state, parent, …; the start time is index 19)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: the fields after it count.
    return stat[stat.rindex(")") + 2 :].split()


def descendants(pid: int) -> dict[int, str]:
    """Every living process below ``pid`` (children, their children, …) and its start time."""
    children: dict[int, list[int]] = {}
    started: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        fields = _stat(entry) if entry.isdigit() else None
        if fields is not None and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
            started[int(entry)] = fields[19]
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = started[child]
            todo.append(child)
    return found


def grandchildren(pid: int) -> dict[int, str]:
    """Living processes two or more generations below ``pid`` (an indexing child's workers)."""
    return {p: t for p, t in descendants(pid).items() if (_stat(p) or ["", ""])[1] != str(pid)}


def alive(processes: dict[int, str]) -> set[int]:
    """Those of ``processes`` (pid: start time) still running; zombies count as gone."""
    living = set()
    for pid, started in processes.items():
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] != "Z":
            living.add(pid)
    return living


def kill_group(leader: int) -> None:
    """SIGKILL every process left in the process group of ``leader`` (started with
    ``start_new_session=True``): a failed test's orphans too, whoever their parent is now."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader, signal.SIGKILL)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
