"""saliency-course reference implementations."""


def __getattr__(name: str) -> object:
    # course_lib.progress() is imported only when used, so `import course_lib` stays light.
    if name == "progress":
        from course_lib.classroom.progress import progress

        return progress
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
