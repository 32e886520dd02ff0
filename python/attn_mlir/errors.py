"""Exceptions of the attn_mlir package.

Bad arguments (wrong rank, mismatched shapes, a grid that does not match the
sequence, a sparsity outside [0, 1]) raise ``ValueError`` / ``TypeError``
before anything is compiled. Failures of the compiler or the runtime raise
subclasses of ``AttnError``, with the compiler's or the driver's message.
"""


class AttnError(RuntimeError):
    """A failure inside attn-mlir (compiler, JIT or GPU runtime)."""


class IRError(AttnError, ValueError):
    """Attn IR text that does not parse or verify (diagnostics in the message)."""


class CompileError(AttnError):
    """A module that the CPU JIT or the GPU compiler (attn-compile) cannot compile."""


class RuntimeLibraryError(AttnError):
    """The GPU runtime (libattnrt.so) is missing, or a launch failed."""


class NativeModuleError(AttnError, ImportError):
    """attn_mlir._native is not built (the package is used from the source tree?)."""
