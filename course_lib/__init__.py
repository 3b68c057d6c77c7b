"""saliency-course reference implementations."""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("saliency-course")
except importlib.metadata.PackageNotFoundError:  # a clone on sys.path without an install
    __version__ = "0+unknown"


def __getattr__(name: str) -> object:
    # course_lib.progress() is imported only when used, so `import course_lib` stays light.
    if name == "progress":
        from course_lib.classroom.progress import progress

        return progress
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
