"""The engine stays independent of Discord, and the install stays CPU-only."""
from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def test_importing_the_engine_does_not_import_discord():
    code = "import sys, index, index.engine, index.store, index.ranking; sys.exit('discord' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_environment_holds_no_cuda_libraries():
    import torch

    assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build"
    cuda = [d.metadata["Name"] for d in metadata.distributions() if (d.metadata["Name"] or "").lower().startswith("nvidia-")]
    assert cuda == []


ROOT = Path(__file__).resolve().parent.parent
CPU_TORCH = "pip install -q --no-deps --index-url https://download.pytorch.org/whl/cpu torch==2.13.0"


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(python3 -m venv .*)\n```", readme)[:2]


def test_both_readme_commands_take_torch_from_the_cpu_index_before_anything_else():
    # A plain `torch==2.13.0` resolves to the CUDA wheel on PyPI for Linux; only the CPU
    # index, asked for torch alone, gives the CPU build on an ordinary machine.
    commands = _readme_commands()
    assert len(commands) == 2
    for command in commands:
        steps = [s.strip() for s in command.split("&&")]
        assert steps[1].endswith(CPU_TORCH), steps
        assert "torch" not in " ".join(steps[2:]), "torch must come only from the CPU step"
        assert re.search(r"pip install -q -e '?\.", steps[2])


def test_ci_runs_the_readmes_second_command_exactly():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()[1] in ci.splitlines()


def test_the_suite_reads_no_data_from_outside_the_repository():
    from conftest import SQUAD

    assert SQUAD.is_file() and SQUAD.is_relative_to(ROOT)
