"""Tests of course_lib.classroom.guard in this process: forbid() and the tamper snapshot.

The same guards inside a grading kernel are tested on fake submissions in
tests/test_classroom.py.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
import types

import numpy as np
import pytest

from course_lib import metrics
from course_lib.classroom import ReferenceUsedError, forbid, guard

SALIENCY = np.random.default_rng(0).random((20, 30))
FIXATIONS = SALIENCY > 0.9


def honest_nss(saliency, fixations):
    z_scores = (saliency - saliency.mean()) / saliency.std()
    return float(z_scores[fixations].mean())


def direct(saliency, fixations):
    return metrics.nss(saliency, fixations)


def reimported(saliency, fixations):
    return importlib.import_module("course_lib.metrics").nss(saliency, fixations)


def through_sys_modules(saliency, fixations):
    return getattr(sys.modules["course_lib.metrics"], "n" + "ss")(saliency, fixations)


COPY = types.FunctionType(metrics.nss.__code__, metrics.nss.__globals__, "copy", metrics.nss.__defaults__,
                          metrics.nss.__closure__)


def copied(saliency, fixations):
    return COPY(saliency, fixations)


# compiled in a cell before the test (compiling inside the checked call is refused by itself)
RECOMPILED: dict = {}
exec(compile(inspect.getsource(metrics.nss).replace("def nss(", "def my_own("), "<student>", "exec"),
     dict(vars(metrics)), RECOMPILED)


def recompiled(saliency, fixations):
    return RECOMPILED["my_own"](saliency, fixations)


def swallowed(saliency, fixations):
    try:
        return metrics.nss(saliency, fixations)
    except Exception:
        return metrics.nss(saliency, fixations)


def in_a_thread(saliency, fixations):
    result = []
    worker = threading.Thread(target=lambda: result.append(metrics.nss(saliency, fixations)))
    worker.start()
    worker.join()
    return result[0] if result else 0.0


def test_an_honest_answer_runs_and_the_reference_works_outside():
    checked = forbid(metrics.nss)(honest_nss)
    assert checked(SALIENCY, FIXATIONS) == pytest.approx(metrics.nss(SALIENCY, FIXATIONS))
    assert sys.getprofile() is None and threading.getprofile() is None


@pytest.mark.parametrize("cheat", [direct, reimported, through_sys_modules, copied, recompiled, swallowed])
def test_every_way_of_reaching_the_reference_is_refused(cheat):
    with pytest.raises(ReferenceUsedError, match="this exercise must not call metrics.nss"):
        forbid(metrics.nss)(cheat)(SALIENCY, FIXATIONS)
    assert sys.getprofile() is None
    assert metrics.nss(SALIENCY, FIXATIONS) == pytest.approx(honest_nss(SALIENCY, FIXATIONS))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_thread_the_answer_starts_cannot_call_it_either():
    # the thread's own error is swallowed by the thread; the wrapper reports it on leaving
    with pytest.raises(ReferenceUsedError, match="metrics.nss"):
        forbid(metrics.nss)(in_a_thread)(SALIENCY, FIXATIONS)


def test_other_course_functions_stay_allowed_and_the_profiler_is_restored():
    def previous(frame, event, arg):
        return None

    sys.setprofile(previous)
    try:
        uses_cc = forbid(metrics.nss)(lambda s, f: metrics.cc(s, f.astype(float)))
        assert np.isfinite(uses_cc(SALIENCY, FIXATIONS))
        assert sys.getprofile() is previous
    finally:
        sys.setprofile(None)


def test_removing_the_profiler_is_refused_even_when_the_error_is_caught():
    def sneaky(saliency, fixations):
        try:
            sys.setprofile(None)
        except Exception:
            pass
        return honest_nss(saliency, fixations)

    with pytest.raises(ReferenceUsedError, match="sys.setprofile"):  # remembered, raised on leaving
        forbid(metrics.nss)(sneaky)(SALIENCY, FIXATIONS)
    assert sys.getprofile() is None
    with pytest.raises(ReferenceUsedError, match="metrics.nss"):  # and the profile function stayed
        forbid(metrics.nss)(lambda s, f: (sneaky(s, f), metrics.nss(s, f)))(SALIENCY, FIXATIONS)


def _subprocess(saliency, fixations):
    import subprocess
    output = subprocess.run([sys.executable, "-c", "print(1.0)"], capture_output=True, text=True).stdout
    return float(output)


def _raw_thread(saliency, fixations):
    import _thread
    import time
    result = []
    _thread.start_new_thread(lambda: result.append(metrics.nss(saliency, fixations)), ())
    time.sleep(0.5)
    return result[0] if result else 0.0


def _unprofiled_thread(saliency, fixations):
    threading.setprofile(None)
    return in_a_thread(saliency, fixations)


def _tracer(saliency, fixations):
    sys.settrace(lambda *args: None)
    return 0.0


def _heap_search(saliency, fixations):
    import gc
    for block in [o for o in gc.get_objects() if isinstance(o, forbid)]:
        block._labels.clear()
    return metrics.nss(saliency, fixations)


def _new_code(saliency, fixations):
    return types.FunctionType(honest_nss.__code__.replace(co_name="mine"), globals())(saliency, fixations)


def _exec_text(saliency, fixations):
    namespace: dict = {}
    exec("from course_lib import metrics as m\nvalue = m.nss", namespace)
    return namespace["value"](saliency, fixations)


def _ctypes(saliency, fixations):
    import ctypes
    ctypes.pythonapi.PyEval_SetProfile(None, None)
    return metrics.nss(saliency, fixations)


@pytest.mark.parametrize("cheat, event", [
    (_subprocess, "subprocess.Popen"), (_raw_thread, "_thread.start_new_thread"),
    (_unprofiled_thread, "_thread.start_new_thread"), (_tracer, "sys.settrace"), (_heap_search, "gc.get_objects"),
    (_new_code, "code.__new__"), (_exec_text, "compile"), (_ctypes, "ctypes")])
def test_the_audit_hook_refuses_what_would_hide_a_call(cheat, event):
    """Processes, raw threads, tracers, heap searches, forged code, exec and ctypes (PEP 578 events)."""
    with pytest.raises(ReferenceUsedError, match=event):
        forbid(metrics.nss)(cheat)(SALIENCY, FIXATIONS)
    assert sys.getprofile() is None and sys.gettrace() is None
    threading.setprofile(None)
    # outside a forbid block, the same things work
    assert _subprocess(SALIENCY, FIXATIONS) == 1.0
    assert _new_code(SALIENCY, FIXATIONS) == pytest.approx(honest_nss(SALIENCY, FIXATIONS))


def test_importing_a_module_inside_the_checked_call_still_works():
    def imports(saliency, fixations):
        import importlib
        sys.modules.pop("json.tool", None)
        importlib.import_module("json.tool")  # compiles and runs the module's code: the import system's
        return honest_nss(saliency, fixations)

    assert forbid(metrics.nss)(imports)(SALIENCY, FIXATIONS) == pytest.approx(honest_nss(SALIENCY, FIXATIONS))


def test_forbid_refuses_what_it_cannot_guard():
    with pytest.raises(TypeError, match="at least one reference"):
        forbid()
    with pytest.raises(TypeError, match="references must be Python functions"):
        forbid(np.mean.__call__)


def test_a_compiled_function_the_text_rules_out_is_refused_however_it_is_reached():
    """REDUCE's text says "not cv2.pyrDown": forbid sees compiled calls by identity, through course code too."""
    import cv2

    from course_lib import pyramids
    from course_lib.classroom import pristine

    image = np.random.default_rng(0).random((16, 16)).astype(np.float32)
    alias = cv2.pyrDown
    for cheat in (lambda x: cv2.pyrDown(x), lambda x: alias(x), lambda x: getattr(cv2, "pyr" + "Down")(x)):
        with pytest.raises(ReferenceUsedError, match="must not call cv2.pyrDown"):
            forbid(cv2.pyrDown)(cheat)(image)
    assert forbid(cv2.pyrDown)(lambda x: cv2.GaussianBlur(x, (5, 5), 0))(image).shape == (16, 16)
    block = forbid(cv2.pyrDown, pyramids.reduce)
    assert block._qualified[0] == "cv2:pyrDown" and pristine._reference("cv2:pyrDown") is cv2.pyrDown
    assert sys.getprofile() is None or sys.getprofile() is not block._profile


def test_snapshot_and_verify_see_replaced_helpers(capsys):
    guard.snapshot()
    assert guard.verify("n1") == []
    assert capsys.readouterr().out.strip() == "course-guard n1 []"
    original = np.testing.assert_allclose
    np.testing.assert_allclose = lambda *args, **kwargs: None
    try:
        assert guard.verify("n2") == ["np.testing.assert_allclose was replaced"]
    finally:
        np.testing.assert_allclose = original
    assert guard.verify("n3") == []


def test_verify_checks_course_modules_it_meets_for_the_first_time(monkeypatch):
    guard.snapshot()
    name = "course_lib.metrics"
    monkeypatch.delitem(guard._STATE["modules"], name, raising=False)
    monkeypatch.setattr(metrics, "nss", lambda saliency, fixations: 0.0)
    assert "metrics.nss was replaced" in guard.verify("n4")


def test_module_state_that_changes_by_design_is_not_tampering(monkeypatch):
    from course_lib import itti_koch

    guard.snapshot()
    monkeypatch.setattr(itti_koch, "_WORKER", object(), raising=False)  # as its lazily created thread pool
    assert guard.verify("n5") == []
