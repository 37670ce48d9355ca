import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "test-artifacts"
os.environ.setdefault("MPLBACKEND", "Agg")
