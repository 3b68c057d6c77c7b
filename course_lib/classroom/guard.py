"""In-kernel guards for exercise tests: the reference is off-limits, tampering is seen.

Used in the test cells of every notebook's exercises and by the grader
(:mod:`course_lib.classroom.scoring`).  Two jobs:

* :func:`forbid` keeps the course's reference implementation from standing in
  for the student's answer.  A test cell wraps the student's function::

      student_nss = forbid(metrics.nss)(my_nss)
      np.testing.assert_allclose(student_nss(s, f), metrics.nss(s, f))

  While ``student_nss`` runs, any call of ``metrics.nss`` fails with
  :class:`ReferenceUsedError` ("this exercise must not call metrics.nss"),
  however it is reached: by name, through an alias, ``import course_lib...``
  inside the function, ``sys.modules``, ``getattr``, a copy of the function
  object, or a re-compiled copy of its source.  The test itself may call the
  reference outside the wrapper to compute what it expects.
* :func:`snapshot` and :func:`verify` let the grader see whether a submission
  rebound what the tests rely on: assertion helpers (``np.testing``,
  ``math``), ``builtins``, the course's own functions (their objects or their
  ``__code__``), ``sys.modules`` entries, the profiler :func:`forbid` uses, or
  IPython's event hooks and input transformers.

How :func:`forbid` works: a profile function (:func:`sys.setprofile`, and
:func:`threading.setprofile` for threads the student's code starts) sees every
Python call and refuses one whose code object is the reference's, or compiles
to the same byte code and constants.  Matching code objects rather than names
is what makes aliases, re-imports and copies fail alike.  An exception raised
in a profile function removes it, so the first forbidden call is also
remembered and reported again when the wrapper returns: a student's
``except Exception`` cannot swallow it.

What would hide a call from the profile function is refused while a
:func:`forbid` block runs, by an audit hook (:func:`sys.addaudithook`, PEP 578;
installed at import, and Python code cannot remove it) and by the profile
function's ``c_call`` events: another profiler or tracer, a new process, a
thread that :mod:`threading` did not start with the profile function,
:mod:`ctypes`, :mod:`gc`'s heap searches, new code objects, and compiling or
``exec``-ing text outside the import system.

Limits: this module runs in the student's process, so it raises the bar, it
does not prove anything.  A submission written to defeat these checks in
particular can; the grader's sandbox contains the damage such code can do, and
:func:`verify` also reports the attempts it knows (a replaced ``sys.setprofile``,
an IPython hook that could undo a patch after a cell).  This module imports
only the standard library, so the test cells stay cheap.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import inspect
import json
import os
import sys
import threading
import types
from typing import Any, Callable

__all__ = ["ReferenceUsedError", "forbid", "forbidden_now", "snapshot", "verify", "GUARD_MARKER"]

GUARD_MARKER = "course-guard"
"""First word of the line :func:`verify` prints for the grader."""

# Modules whose functions tests use to check answers, watched by snapshot()/verify().
_WATCHED_MODULES = ("builtins", "math", "numpy", "numpy.testing", "unittest", "torch.testing")
_WATCHED_PREFIX = "course_lib"
_SYS_NAMES = ("setprofile", "getprofile", "settrace", "gettrace", "modules", "meta_path", "path_hooks")


class ReferenceUsedError(Exception):
    """The student's function called a course function that the exercise asks them to write."""


_ACTIVE: list["forbid"] = []  # the forbid blocks running now, outermost first


# Builtins that start code the profile function does not see: a process, or a thread that
# threading did not start (threading.setprofile covers only threading's own threads).
def _starters() -> dict[Any, str]:
    import importlib

    names = {"os": ("system", "fork", "forkpty", "execv", "execve", "posix_spawn", "posix_spawnp", "spawnv", "spawnve"),
             "_thread": ("start_new", "start_new_thread", "start_joinable_thread"),
             "_posixsubprocess": ("fork_exec",), "_winapi": ("CreateProcess",)}
    found: dict[Any, str] = {}
    for module_name, functions in names.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # _posixsubprocess off POSIX, _winapi off Windows
            continue
        for name in functions:
            function = getattr(module, name, None)
            if function is not None:
                found[function] = f"{module_name}.{name}"
    return found


_STARTERS = _starters()


def _started_by_threading(frame: types.FrameType) -> bool:
    # threading.Thread.start gives its thread the profile function (threading.setprofile), as
    # long as nobody replaced it there
    return frame.f_code is threading.Thread.start.__code__ and bool(_ACTIVE) and \
        getattr(threading, "_profile_hook", None) is _ACTIVE[-1]._profile


# Audit events refused while a forbid block runs (PEP 578).  An audit hook cannot be removed by
# Python code, so these hold even where the student's code replaced the profile function: no
# other tracer or profiler, no process (its interpreter would run without the check), no raw
# memory (ctypes), no search of the heap for the check's own objects (gc), no forged code objects.
_REFUSED_EVENTS = frozenset({
    "sys.setprofile", "sys.settrace", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
    "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function",
    "ctypes.cdata", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "code.__new__",
})
# Compiling or running new code is refused too, except where the import system does it (a
# module imported for the first time inside the student's function).
_CODE_EVENTS = frozenset({"exec", "compile"})


def _importing() -> bool:
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


_GRADER_WORK = [0]  # > 0 while the pristine kernel's proxy does its own work inside a forbid block


@contextlib.contextmanager
def _grader_work() -> Any:
    """The grader's own code inside a forbid block, in the pristine kernel (no student code runs there).

    A proxy's transport and decoding (a named tuple type rebuilt with
    :func:`collections.namedtuple` compiles code) are not the student's
    function: the audit refusals pause for them.  The profile function stays.
    """
    _GRADER_WORK[0] += 1
    try:
        yield
    finally:
        _GRADER_WORK[0] -= 1


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _ACTIVE or (event not in _REFUSED_EVENTS and event not in _CODE_EVENTS) or _GRADER_WORK[0]:
        return
    if event in ("sys.setprofile", "sys.settrace"):
        caller = sys._getframe(1).f_code
        # forbid's own calls; a thread that threading started taking the profile function (checked
        # when the thread started); the interpreter removing a profile function that refused a call
        if caller in _PROFILE_SETTERS or any(block._used for block in _ACTIVE):
            return
    elif event in _CODE_EVENTS and _importing():
        return
    _ACTIVE[-1]._refuse(f"{event} (not allowed while an exercise is checked)")


def forbidden_now() -> list[str]:
    """``"module:qualname"`` of every reference forbidden at this moment (for the grader's proxies)."""
    return [name for block in _ACTIVE for name in block._qualified]


def _label(function: Callable[..., Any]) -> str:
    """``metrics.nss`` for ``course_lib.metrics.nss``: the name a student knows it by."""
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__qualname__", getattr(function, "__name__", repr(function)))
    short = module.rsplit(".", 1)[-1] if module.startswith(_WATCHED_PREFIX) else module
    return f"{short}.{name}" if short else name


def _is_builtin(reference: Any) -> bool:
    return isinstance(reference, types.BuiltinFunctionType)


# Modules searched for the name of a compiled function (OpenCV's functions carry no __module__).
_BUILTIN_HOMES = ("cv2", "numpy", "math", "torch", "scipy.ndimage", "skimage")


def _builtin_qualified(function: Any) -> str:
    """``"cv2:pyrDown"`` for ``cv2.pyrDown``: where the student's kernel finds the same function."""
    module = getattr(function, "__module__", None)
    if module:
        return f"{module}:{function.__qualname__}"
    for home in _BUILTIN_HOMES:
        namespace = sys.modules.get(home)
        name = getattr(function, "__name__", "")
        if namespace is not None and getattr(namespace, name, None) is function:
            return f"{home}:{name}"
    raise TypeError(f"references must be functions of an importable module, got {function!r}")


def _code_of(reference: Any, *, argument: str) -> types.CodeType:
    target = getattr(reference, "__func__", reference)  # bound and class methods
    target = getattr(target, "__wrapped__", target)  # functools.wraps decorators
    code = getattr(target, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise TypeError(f"{argument} must be Python functions of the course, got {type(reference).__name__}")
    return code


def _code_key(code: types.CodeType) -> tuple[bytes, tuple[Any, ...]]:
    # Byte code and constants, not the name: a renamed copy of the source matches too.
    constants = tuple(c for c in code.co_consts if not isinstance(c, types.CodeType))
    return code.co_code, tuple(map(repr, constants))


class forbid(contextlib.ContextDecorator):  # noqa: N801 (used like a function)
    """Refuse calls of the course functions ``references`` for the duration.

    Use it as a wrapper around the student's function (``forbid(ref)(fn)``,
    the usual form in a test cell) or as a context manager
    (``with forbid(ref): ...``).

    Parameters
    ----------
    *references : callable
        The course functions that the exercise re-implements, e.g.
        ``metrics.nss``, and compiled library functions that its text rules
        out, e.g. ``cv2.pyrDown`` (matched by identity when called, which is
        how every alias of a compiled function looks).  At least one.

    Raises
    ------
    TypeError
        If no reference is given, or one is neither a Python function nor a
        compiled function of an importable module.
    ReferenceUsedError
        When the guarded code calls a reference (raised at the call, and again
        on leaving if the student's code caught it).

    Examples
    --------
    >>> import statistics
    >>> def my_mean(values):
    ...     return statistics.mean(values)
    >>> checked = forbid(statistics.mean)(my_mean)
    >>> checked([1, 2, 3])
    Traceback (most recent call last):
    ...
    course_lib.classroom.guard.ReferenceUsedError: this exercise must not call statistics.mean
    >>> statistics.mean([1, 2, 3])  # outside the wrapper the reference works
    2
    """

    def __init__(self, *references: Callable[..., Any]) -> None:
        if not references:
            raise TypeError("forbid needs at least one reference function")
        self._labels: dict[types.CodeType, str] = {}
        self._keys: dict[tuple[bytes, tuple[Any, ...]], str] = {}
        self._builtins: dict[Any, str] = {}
        self._qualified = []
        for reference in references:
            if _is_builtin(reference):
                qualified = _builtin_qualified(reference)
                self._qualified.append(qualified)
                self._builtins[reference] = qualified.replace(":", ".")
                continue
            self._qualified.append(f"{getattr(reference, '__module__', '')}:{getattr(reference, '__qualname__', '')}")
            code = _code_of(reference, argument="references")
            self._labels[code] = _label(reference)
            self._keys[_code_key(code)] = _label(reference)
        self._seen: dict[types.CodeType, str | None] = {}
        self._profile = self._hook  # one bound method, so that sys.getprofile() can be compared by identity
        self._depth = 0
        self._used: list[str] = []
        self._previous: tuple[Any, Any] = (None, None)

    def _hook(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "c_call":
            if arg in _STARTERS and not _started_by_threading(frame):
                self._refuse(f"{_STARTERS[arg]} (it starts code the check cannot see)")
            for builtin, label in self._builtins.items():  # by identity: hashing a bound method can raise
                if arg is builtin:
                    self._refuse(label)
            return
        if event != "call":
            return
        code = frame.f_code
        label = self._seen.get(code, False)
        if label is False:  # first call of this code object: compare its byte code once
            label = self._labels.get(code) or self._keys.get(_code_key(code))
            self._seen[code] = label
        if label is not None:
            self._refuse(label)

    def _refuse(self, label: str) -> None:
        self._used.append(label)  # remembered: raised again on leaving if the student catches it
        raise ReferenceUsedError(f"this exercise must not call {label}")

    def __enter__(self) -> "forbid":
        self._depth += 1
        if self._depth == 1:
            _ACTIVE.append(self)
            self._used = []
            self._previous = (sys.getprofile(), threading.getprofile())
            sys.setprofile(self._profile)
            threading.setprofile(self._profile)
            if sys.getprofile() is not self._profile:
                raise ReferenceUsedError("sys.setprofile was replaced: the test cannot check this exercise")
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> bool:
        self._depth -= 1
        if self._depth:
            return False
        self._seen.clear()
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        intact = sys.getprofile() is self._profile or self._used  # a violation removes the hook itself
        sys.setprofile(self._previous[0])
        threading.setprofile(self._previous[1])
        if self._used and not isinstance(exc, ReferenceUsedError):
            raise ReferenceUsedError(f"this exercise must not call {self._used[0]}")
        if not intact:
            raise ReferenceUsedError("the profiler that checks this exercise was removed while it ran")
        return False


_PROFILE_SETTERS = frozenset({forbid.__enter__.__code__, forbid.__exit__.__code__,
                              threading.Thread._bootstrap_inner.__code__})  # type: ignore[attr-defined]
sys.addaudithook(_audit)  # once per process, at import; Python code cannot remove it


# ---------------------------------------------------------------------------
# Tamper checks, for the grader
# ---------------------------------------------------------------------------

# One snapshot per kernel, kept here rather than in the user's namespace.
_STATE: dict[str, Any] = {}


def _from_notebook(value: Any) -> bool:
    """Whether ``value`` is a function compiled from a notebook cell (or a string), not a file."""
    code = getattr(inspect.unwrap(value), "__code__", None) if callable(value) else None
    if not isinstance(code, types.CodeType):
        return False
    # A cell's file is ipykernel's temporary one; exec'd text is "<string>".  Cython's functions
    # (numpy.random's) name a .pyx file that is not installed: not a notebook's.
    return "ipykernel_" in code.co_filename or code.co_filename.startswith("<")


def _identities(module: types.ModuleType) -> dict[str, tuple[int, int | None]]:
    """(id of the object, id of its ``__code__``) for each function, class or module in ``module``.

    ``builtins.__import__`` and the other callable dunders of :mod:`builtins`
    are watched; its other private names are left out (IPython's display hook
    rebinds ``builtins._`` after every displayed value), and so is
    ``builtins.input``, which ipykernel swaps for every execution request.
    """
    is_builtins = module.__name__ == "builtins"
    found = {}
    for name, value in list(vars(module).items()):
        dunder = name.startswith("__")
        if is_builtins and (name == "input" or (name.startswith("_") and not dunder)):
            continue
        if dunder and not is_builtins:
            continue
        if not (callable(value) or isinstance(value, types.ModuleType)):
            continue  # module state such as a lazily created thread pool changes by design
        code = getattr(value, "__code__", None)
        found[name] = (id(value), id(code) if code is not None else None)
    return found


@functools.lru_cache(maxsize=None)
def _defined_functions(filename: str) -> frozenset[str]:
    """Names of the top-level ``def`` statements of a source file."""
    try:
        with open(filename, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    return frozenset(node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _course_problems(module: types.ModuleType) -> list[str]:
    """Functions a course module defines (``def`` in its file) that are not that function any more."""
    filename = getattr(module, "__file__", None) or ""
    problems = []
    for name in _defined_functions(filename):
        if name not in vars(module):  # deleted by the module itself after use
            continue
        value = vars(module)[name]
        value = inspect.unwrap(value) if callable(value) else value
        code = getattr(value, "__code__", None)
        if (not isinstance(code, types.CodeType) or value.__name__ != name
                or os.path.abspath(code.co_filename) != os.path.abspath(filename)):
            problems.append(f"{_short(module.__name__)}.{name} was replaced")
    return problems


def _namespace_problems() -> list[str]:
    """Modules in the notebook's namespace that are not the ones Python imported."""
    shell = getattr(builtins, "get_ipython", lambda: None)()
    namespace = getattr(shell, "user_ns", {}) if shell is not None else {}
    problems = []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        if isinstance(value, types.ModuleType) and sys.modules.get(value.__name__) is not value:
            problems.append(f"the notebook's {name!r} is not the module {value.__name__}")
    return problems


def _short(module_name: str) -> str:
    if module_name == "numpy" or module_name.startswith("numpy."):
        return "np" + module_name[len("numpy"):]
    return module_name.rsplit(".", 1)[-1] if module_name.startswith(_WATCHED_PREFIX) else module_name


def _notebook_hooks() -> list[str]:
    """IPython event callbacks and input/AST transformers defined in the notebook."""
    shell = getattr(builtins, "get_ipython", lambda: None)()
    if shell is None:
        return []
    hooks = [f"an IPython {event!r} callback" for event, callbacks in shell.events.callbacks.items()
             for callback in callbacks if _from_notebook(callback)]
    for name in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        for transformer in getattr(shell, name, []):
            method = getattr(transformer, "visit", transformer)
            if _from_notebook(method) or _from_notebook(type(transformer).__init__):
                hooks.append(f"an IPython {name} entry")
    return hooks


def _methods(cls: type) -> dict[str, int]:
    return {name: id(value) for name, value in list(vars(cls).items()) if callable(value)}


def _interpreter_state() -> dict[str, Any]:
    """What decides a cell's outcome in IPython and ipykernel, by identity.

    The methods of every class of the shell and the kernel (``run_cell``,
    ``showtraceback``, ``do_execute``, ...), the instance attributes that
    shadow one of them, the custom exception handlers, the notebook's
    ``__builtins__``, and the entries of ``sys.meta_path`` and ``sys.path_hooks``.
    """
    shell = getattr(builtins, "get_ipython", lambda: None)()
    state: dict[str, Any] = {
        "meta_path": [id(entry) for entry in sys.meta_path],
        "path_hooks": [id(entry) for entry in sys.path_hooks],
    }
    if shell is None:
        return state
    kernel = getattr(shell, "kernel", None)
    for role, instance in (("shell", shell), ("kernel", kernel)):
        if instance is None:
            continue
        classes = [cls for cls in type(instance).__mro__ if cls is not object]
        state[role + " class"] = [(cls.__qualname__, id(cls), _methods(cls)) for cls in classes]
        state[role + " instance"] = {name: id(value) for name, value in list(vars(instance).items())
                                     if callable(value) and any(name in vars(cls) for cls in classes)}
    state["custom_exceptions"] = repr(getattr(shell, "custom_exceptions", ()))
    state["CustomTB"] = id(getattr(shell, "CustomTB", None))
    state["__builtins__"] = id(getattr(shell, "user_ns", {}).get("__builtins__"))
    return state


def _interpreter_problems(before: dict[str, Any]) -> list[str]:
    now = _interpreter_state()
    problems = []
    labels = {"meta_path": "sys.meta_path was changed", "path_hooks": "sys.path_hooks was changed",
              "shell class": "a method of IPython's shell was replaced",
              "kernel class": "a method of the kernel was replaced",
              "shell instance": "a method of IPython's shell was shadowed",
              "kernel instance": "a method of the kernel was shadowed",
              "custom_exceptions": "an IPython custom exception handler was set",
              "CustomTB": "an IPython custom exception handler was set",
              "__builtins__": "the notebook's __builtins__ was replaced"}
    for key, label in labels.items():
        if before.get(key) != now.get(key) and label not in problems:
            problems.append(label)
    return problems


def _watched() -> dict[str, types.ModuleType]:
    modules = {name: sys.modules[name] for name in _WATCHED_MODULES
               if isinstance(sys.modules.get(name), types.ModuleType)}
    # every numpy module: a test's np.allclose may come from any of them
    modules.update({name: module for name, module in list(sys.modules.items())
                    if (name == "numpy" or name.startswith("numpy.")) and isinstance(module, types.ModuleType)})
    modules.update({name: module for name, module in list(sys.modules.items())
                    if name.split(".")[0] == _WATCHED_PREFIX and isinstance(module, types.ModuleType)})
    return modules


def snapshot() -> None:
    """Record what the tests rely on; the grader runs this before any student cell.

    Imports :mod:`numpy.testing` first so that it is watched from the start;
    modules imported later (the course's, ``torch.testing``) are watched from
    the first :func:`verify` that sees them, which also checks that their
    functions come from their own files.
    """
    with contextlib.suppress(ImportError):
        import numpy.testing  # noqa: F401
    import course_lib.classroom.pristine  # noqa: F401 - what answers the test kernel's calls: watched from the start
    _STATE.clear()
    _STATE["modules"] = {name: (id(module), _identities(module)) for name, module in _watched().items()}
    _STATE["sys"] = {name: id(getattr(sys, name, None)) for name in _SYS_NAMES}
    _STATE["interpreter"] = _interpreter_state()
    _STATE["print"] = (print, json.dumps)


def verify(nonce: str) -> list[str]:
    """Compare with :func:`snapshot` and print one line for the grader.

    The line is ``course-guard <nonce> <json list of changes>``; the grader
    draws a new ``nonce`` for every check, so student code cannot print a
    passing line in advance.

    Returns
    -------
    list of str
        What changed, e.g. ``["np.testing.assert_allclose was replaced"]``.
    """
    if "modules" not in _STATE:
        changes = ["the grader's snapshot is missing (course_lib.classroom.guard was reloaded?)"]
        print(GUARD_MARKER, nonce, json.dumps(changes))
        return changes
    say, dumps = _STATE["print"]
    changes = []
    for name, module in _watched().items():
        if name not in _STATE["modules"]:  # imported since the last check: check its origin, then watch it
            if name.split(".")[0] == _WATCHED_PREFIX:
                changes.extend(_course_problems(module))
            changes.extend(f"{_short(name)}.{attribute} was replaced" for attribute, value in vars(module).items()
                           if not attribute.startswith("__") and _from_notebook(value)
                           and name.split(".")[0] != _WATCHED_PREFIX)
            _STATE["modules"][name] = (id(module), _identities(module))
            continue
        module_id, before = _STATE["modules"][name]
        if id(module) != module_id:
            changes.append(f"sys.modules[{name!r}] was replaced")
            continue
        now = _identities(module)
        changes.extend(f"{_short(name)}.{attribute} was replaced"
                       for attribute, ids in before.items() if now.get(attribute) != ids)
    for name, module_id_and_ids in _STATE["modules"].items():
        if name not in sys.modules:
            changes.append(f"sys.modules[{name!r}] was removed")
    changes.extend(f"sys.{name} was replaced" for name, ident in _STATE["sys"].items()
                   if id(getattr(sys, name, None)) != ident)
    changes.extend(f"{hook} was registered" for hook in _notebook_hooks())
    changes.extend(_interpreter_problems(_STATE["interpreter"]))
    changes.extend(_namespace_problems())
    say(GUARD_MARKER, nonce, dumps(changes))
    return changes
