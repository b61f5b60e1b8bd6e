"""dlc from Python: a thin ctypes layer over libdlc (include/dlc/dlc.h).

    import dlc, numpy as np
    ctx = dlc.Context()
    m = ctx.import_onnx("cnn.onnx")
    m.run_passes(dlc.PIPELINE_FLOAT)
    m.quantize(calib=np.load("calib_x.npy"), wbits=4)
    m.emit("c", "out", name="cnn")       # out/cnn.c, out/cnn.h
    files = m.emit("c", name="cnn")      # {"cnn.c": b"...", "cnn.h": b"..."}

A failed call raises dlc.Error with the message dlc prints after
"dlc: error: ". Warnings go to the context's on_warning (default: kept in
ctx.warnings). libdlc is found through $DLC_LIB (the library's path), next to
this file, or in the lib folder of the prefix it is installed under
(<prefix>/share/dlc/python/dlc.py).
"""
import ctypes
import ctypes.util
import os

__all__ = ["Context", "Module", "Error", "PIPELINE_FLOAT", "version"]

SOVERSION = 0  # libdlc.so.SOVERSION: include/dlc/version.h's DLC_VERSION_MAJOR

# include/dlc/dlc.h's DLC_PIPELINE_FLOAT: what dlc runs before quantizing
PIPELINE_FLOAT = "fold-bias,fold-bn,fuse-activation,fold-constants,fold-pad,conv-transpose-to-conv"


class Error(Exception):
    """A libdlc call failed; str(e) is its message, e.status 1 (bad input) or 2 (internal)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def _candidates():
    if os.environ.get("DLC_LIB"):
        yield os.environ["DLC_LIB"]
        return
    here = os.path.dirname(os.path.abspath(__file__))
    name = "libdlc.so.%d" % SOVERSION
    yield os.path.join(here, name)
    prefix = os.path.normpath(os.path.join(here, "..", "..", ".."))
    for libdir in ("lib", "lib64", os.path.join("lib", "x86_64-linux-gnu"), os.path.join("lib", "aarch64-linux-gnu")):
        yield os.path.join(prefix, libdir, name)
    found = ctypes.util.find_library("dlc")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("libdlc not found (set DLC_LIB to libdlc.so's path); tried: " + ", ".join(tried))


_lib = _load()
_P, _S, _I = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
_WARN = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)


class _File(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


for _name, _res, _args in [
    ("dlc_version", _S, []),
    ("dlc_context_create", _I, [ctypes.POINTER(_P)]),
    ("dlc_context_destroy", None, [_P]),
    ("dlc_last_error", _S, [_P]),
    ("dlc_set_warning_handler", None, [_P, _WARN, _P]),
    ("dlc_module_import", _I, [_P, _S, _S, ctypes.POINTER(_P)]),
    ("dlc_module_parse", _I, [_P, _S, ctypes.c_size_t, ctypes.POINTER(_P)]),
    ("dlc_module_destroy", None, [_P]),
    ("dlc_module_print", _I, [_P, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]),
    ("dlc_module_run_passes", _I, [_P, _S]),
    ("dlc_module_quantize", _I, [_P, _S, _S]),
    ("dlc_module_quantize_data", _I, [_P, _S, _P, ctypes.POINTER(ctypes.c_int64), _I]),
    ("dlc_module_emit", _I, [_P, _S, _S, _S]),
    ("dlc_module_emit_memory", _I, [_P, _S, _S, ctypes.POINTER(ctypes.POINTER(_File)), ctypes.POINTER(_I)]),
    ("dlc_free", None, [_P]),
]:
    _f = getattr(_lib, _name)
    _f.restype, _f.argtypes = _res, _args


def version():
    """libdlc's version, "MAJOR.MINOR.PATCH"."""
    return _lib.dlc_version().decode()


def _b(s):
    return None if s is None else os.fsencode(s) if isinstance(s, os.PathLike) else s.encode()


def _options(opts):
    """KEY=VALUE words from keyword arguments (True -> true)."""
    words = []
    for k, v in opts.items():
        if v is None:
            continue
        v = ("true" if v else "false") if isinstance(v, bool) else str(v)
        if not v or any(c.isspace() for c in v):
            raise Error("bad %s %r (a value without spaces)" % (k, v))
        words.append("%s=%s" % (k, v))
    return " ".join(words) or None


class Context:
    """A libdlc context (MLIR with dlc's dialects); its modules keep it alive."""

    def __init__(self, on_warning=None):
        self.warnings = []
        self._on_warning = on_warning or self.warnings.append
        self._h = _P()
        status = _lib.dlc_context_create(ctypes.byref(self._h))
        if status:
            message = _lib.dlc_last_error(self._h).decode()
            _lib.dlc_context_destroy(self._h)
            self._h = None
            raise Error(message, status)
        sink = self._on_warning  # not self: no cycle, so modules go before their context
        self._warn = _WARN(lambda msg, user: sink(msg.decode()))  # kept: C holds it
        _lib.dlc_set_warning_handler(self._h, self._warn, None)

    def __del__(self):
        if getattr(self, "_h", None) and _lib:
            _lib.dlc_context_destroy(self._h)
            self._h = None

    def _check(self, status):
        if status:
            raise Error(_lib.dlc_last_error(self._h).decode(), status)

    def import_onnx(self, path, input_shape=None, batch=None):
        """A model file (ONNX, or qg MLIR text when it ends in .mlir) as a Module."""
        h = _P()
        self._check(_lib.dlc_module_import(self._h, _b(os.fspath(path)), _b(_options(
            {"input_shape": input_shape, "batch": batch})), ctypes.byref(h)))
        return Module(self, h)

    def parse(self, text):
        """qg MLIR text as a Module."""
        data = text.encode() if isinstance(text, str) else bytes(text)
        h = _P()
        self._check(_lib.dlc_module_parse(self._h, data, len(data), ctypes.byref(h)))
        return Module(self, h)


class Module:
    """A model in dlc's IR; methods change it in place and return it."""

    def __init__(self, ctx, handle):
        self._ctx, self._h = ctx, handle

    def __del__(self):
        if getattr(self, "_h", None) and _lib:
            _lib.dlc_module_destroy(self._h)
            self._h = None

    def run_passes(self, pipeline):
        """A pass pipeline: "fold-bn,cse", "quantize{wbits=4}" (dlc-opt --list-passes)."""
        self._ctx._check(_lib.dlc_module_run_passes(self._h, _b(pipeline)))
        return self

    def quantize(self, calib, **options):
        """Calibrate on calib (an array of float32 samples along its first axis,
        or an .npy path) and quantize: options as dlc.h lists them (wbits=4,
        abits=8, calib_method="entropy", calib_samples=0, wround="gptq", ...)."""
        opts = _b(_options(options))
        if isinstance(calib, (str, os.PathLike)):
            self._ctx._check(_lib.dlc_module_quantize(self._h, opts, _b(os.fspath(calib))))
            return self
        import numpy as np

        a = np.ascontiguousarray(calib, dtype=np.float32)
        shape = (ctypes.c_int64 * a.ndim)(*a.shape)
        self._ctx._check(_lib.dlc_module_quantize_data(self._h, opts, a.ctypes.data, shape, a.ndim))
        return self

    def emit(self, target, outdir=None, **options):
        """Target code ("c", "pim", "acc"): written into outdir, or returned as
        {file name: bytes} without one. options: name=, device=, sparse_weights=, threads=."""
        opts = _b(_options(options))
        if outdir is not None:
            self._ctx._check(_lib.dlc_module_emit(self._h, _b(target), opts, _b(os.fspath(outdir))))
            return None
        files, n = ctypes.POINTER(_File)(), _I()
        self._ctx._check(_lib.dlc_module_emit_memory(self._h, _b(target), opts, ctypes.byref(files), ctypes.byref(n)))
        try:
            return {files[i].name.decode(): ctypes.string_at(files[i].data, files[i].size) for i in range(n.value)}
        finally:
            _lib.dlc_free(files)

    def text(self):
        """The module as MLIR text (what dlc --emit=qg -o FILE writes)."""
        p, n = ctypes.c_void_p(), ctypes.c_size_t()
        self._ctx._check(_lib.dlc_module_print(self._h, ctypes.byref(p), ctypes.byref(n)))
        try:
            return ctypes.string_at(p, n.value).decode()
        finally:
            _lib.dlc_free(p)
