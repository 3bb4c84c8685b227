"""The engine stays independent of Discord, and the install stays CPU-only."""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata


def test_importing_the_engine_does_not_import_discord():
    code = "import sys, index, index.engine, index.store, index.ranking; sys.exit('discord' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_environment_holds_no_cuda_libraries():
    import torch

    assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build"
    cuda = [d.metadata["Name"] for d in metadata.distributions() if (d.metadata["Name"] or "").lower().startswith("nvidia-")]
    assert cuda == []
