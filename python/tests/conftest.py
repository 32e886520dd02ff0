"""Puts the attn_mlir package (python/ next to this tests/ folder) on sys.path."""
import os
import sys

PYTHON_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON_ROOT not in sys.path:
    sys.path.insert(0, PYTHON_ROOT)
