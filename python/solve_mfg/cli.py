"""Finding the solve-mfg binary and running it."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Optional, Sequence

__all__ = ["SolveMFGError", "BinaryNotFound", "find_binary", "run"]

#: Exit codes of solve-mfg (`solve-mfg --help`).
# The command's one table of exit codes (`solve-mfg --help`).
EXIT_CODES = {0: "success", 1: "a file could not be written", 3: "ran but did not converge", 4: "a NaN or an infinity appeared",
              64: "bad command line", 65: "invalid problem file, game, parameter or input file"}


class BinaryNotFound(FileNotFoundError):
    """No solve-mfg binary where we looked."""


class SolveMFGError(RuntimeError):
    """solve-mfg exited with an error; `returncode`, `stderr`, `stdout` and `command` say how."""

    def __init__(self, command: Sequence[str], returncode: int, stdout: str, stderr: str):
        self.command, self.returncode, self.stdout, self.stderr = list(command), returncode, stdout, stderr
        meaning = EXIT_CODES.get(returncode, "failed")
        message = stderr.strip().splitlines()
        detail = "\n".join(line for line in message if "error:" in line.lower()) or "\n".join(message[-5:])
        super().__init__(f"solve-mfg exited with code {returncode} ({meaning}): {detail}\ncommand: {' '.join(command)}")


def _candidates_below(base: Path) -> Iterable[Path]:
    for directory in [base, *base.parents]:
        for kind in ("release", "debug"):
            yield directory / ".build" / kind / "solve-mfg"


def find_binary(binary: Optional[str] = None) -> str:
    """The solve-mfg executable: `binary` if given, else $SOLVE_MFG, else `solve-mfg` on the PATH, else
    .build/release/solve-mfg (then .build/debug/solve-mfg) in the current directory or one of its parents,
    or in the repository that holds this package's source (python/ beside .build/)."""
    tried = []
    explicit = binary or os.environ.get("SOLVE_MFG")
    if explicit:
        path = Path(explicit).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path.resolve())
        found = shutil.which(explicit)
        if found:
            return found
        source = "the binary argument" if binary else "$SOLVE_MFG"
        raise BinaryNotFound(f"{source} names {explicit!r}, which is not an executable file")
    on_path = shutil.which("solve-mfg")
    if on_path:
        return on_path
    tried.append("solve-mfg on the PATH")
    seen = set()
    for base in (Path.cwd(), Path(__file__).resolve().parent):
        for candidate in _candidates_below(base):
            if candidate in seen:
                continue
            seen.add(candidate)
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    tried.append(".build/{release,debug}/solve-mfg in the current directory, the package's directory and their parents")
    raise BinaryNotFound(
        "cannot find the solve-mfg binary (tried " + "; ".join(tried) + "). Build it with "
        "`swift build -c release --product solve-mfg` in the solve-mfg repository, then pass binary=PATH, "
        "set SOLVE_MFG=PATH, or put it on the PATH.")


def run(arguments: Sequence[str], binary: Optional[str] = None, allowed: Sequence[int] = (0,),
        timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    """Runs `solve-mfg ARGUMENTS...`; raises SolveMFGError unless the exit code is in `allowed`."""
    command = [find_binary(binary), *[str(a) for a in arguments]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode not in allowed:
        raise SolveMFGError(command, done.returncode, done.stdout, done.stderr)
    return done
