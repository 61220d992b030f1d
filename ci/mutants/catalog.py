"""catalog.py: the scenario catalog cut into blocks, for selection.

A block is one `scenario ... end` of a scenario file (the format has
nothing else at file level but comments): it runs the same in a file of
its own, so a selection of blocks is written as one file and run with the
golden traces of its instances only.

Must not: run anything.
"""

import json
import os
from dataclasses import dataclass, field


@dataclass
class Block:
    index: int
    path: str          # the scenario file, relative to the repository
    line: int          # where its `scenario` line is
    name: str          # the name as written (with {parameters})
    text: str
    instances: list = field(default_factory=list)   # filled from a run


def block_key(block, repo):
    """A block's name in the known-killed list: its file and its name as written
    (FILE:NAME, no spaces), which an edit of another scenario leaves unchanged."""
    return f"{os.path.relpath(block.path, repo)}:{block.name}"


def scenario_files(root):
    out = []
    for base, dirs, files in os.walk(root):
        dirs.sort()
        out += [os.path.join(base, f) for f in sorted(files) if f.endswith(".svipc")]
    return out


def blocks_of(root):
    blocks = []
    for path in scenario_files(root):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        start = None
        for n, line in enumerate(lines, 1):
            words = line.split()
            if words[:1] == ["scenario"] and start is None:
                start, name = n, words[1] if len(words) > 1 else ""
            elif words == ["end"] and start is not None:
                text = "\n".join(lines[start - 1:n]) + "\n"
                blocks.append(Block(len(blocks), path, start, name, text))
                start = None
    return blocks


def write_selection(path, blocks):
    with open(path, "w", encoding="utf-8") as f:
        for b in blocks:
            f.write(f"# {b.path}:{b.line}\n{b.text}")


class Golden:
    """A golden file's lines by instance name, to write subsets of it."""

    def __init__(self, path):
        self.path = path
        self.lines = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    self.lines[json.loads(line)["name"]] = line if line.endswith("\n") else line + "\n"

    def write_subset(self, path, names):
        """The lines of NAMES written to PATH: PATH, or this whole file when
        none of them has one (their instances skip on Linux: svipc refuses
        an empty golden file, and has nothing to compare either way)."""
        written = 0
        with open(path, "w", encoding="utf-8") as f:
            for n in names:
                if n in self.lines:
                    f.write(self.lines[n])
                    written += 1
        return path if written else self.path
