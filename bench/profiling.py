"""Sampling our server with py-spy while wrk loads it: `python -m bench --profile NAME`.

py-spy attaches to the gunicorn master and follows its workers (`--subprocesses`), records
folded stacks (`--format raw`, one "frame;frame;... count" per line, readable by speedscope
and flamegraph.pl) to the work directory, and the runner adds a short summary to the report:
where the workers spent their samples, by function (self) and through our own code
(inclusive). Sampling costs CPU, so a profiled run's figures are not for comparison.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench.servers import ROOT

_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


class Profiler:
    def __init__(self, pid: int, workdir: Path) -> None:
        self.pid = pid
        self.workdir = workdir
        self.files: list[Path] = []
        # The virtualenv's py-spy, also when the venv's bin/ is not on PATH.
        beside = Path(sys.executable).parent / "py-spy"
        self.binary = str(beside) if beside.exists() else shutil.which("py-spy")
        if self.binary is None:
            raise RuntimeError("py-spy is not installed (pip install -r requirements.txt)")

    @contextlib.contextmanager
    def sampling(self, seconds: float) -> Iterator[None]:
        out = self.workdir / f"profile-{len(self.files) + 1}.txt"
        argv = [
            str(self.binary), "record", "--pid", str(self.pid), "--subprocesses",
            "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking",
        ]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield
        finally:
            proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            self.files.append(out)

    def stacks(self) -> Counter[tuple[str, ...]]:
        stacks: Counter[tuple[str, ...]] = Counter()
        for file in self.files:
            if not file.exists():
                continue
            for line in file.read_text(errors="replace").splitlines():
                match = _LINE.match(line)
                if match:
                    stacks[tuple(match["stack"].split(";"))] += int(match["count"])
        return stacks

    def summaries(self, top: int = 15) -> list[str]:
        stacks = self.stacks()
        total = sum(stacks.values())
        if not total:
            return ["profile: no samples recorded"]
        self_time: Counter[str] = Counter()
        ours: Counter[str] = Counter()
        for frames, count in stacks.items():
            self_time[_short(frames[-1])] += count
            for frame in {_short(f) for f in frames if _is_ours(f)}:
                ours[frame] += count
        lines = [f"profile: {total} samples in {len(self.files)} file(s) under {self.workdir}"]
        lines += [
            f"profile self {count / total:6.1%}  {frame}"
            for frame, count in self_time.most_common(top)
        ]
        lines += [
            f"profile incl {count / total:6.1%}  {frame}" for frame, count in ours.most_common(top)
        ]
        return lines


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", f"{ROOT}/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def _is_ours(frame: str) -> bool:
    return any(
        f"/{app}/" in frame and "site-packages" not in frame
        for app in ("billing", "members", "support", "config")
    )
