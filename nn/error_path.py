"""An exception raised inside a module names the module's path: `layers.3 (Linear): <message>`.

`Module.__call__` wraps `forward` in a `try` (free until something raises, in Python 3.11) and, when
an exception passes, calls `name_module_in_error`. The innermost module records itself on the
exception; each enclosing module appends itself and rewrites the one prefix with the path from
itself down, so the outermost call leaves the full path, once. The exception keeps its type and
message; a message built by NumPy or by a custom `__str__` (KeyError's) gets the path as a note.
"""
from __future__ import annotations

_TRAIL = "_gradsight_module_trail"  # modules an exception passed through, innermost first
_MESSAGE = "_gradsight_original_message"
_NOTE = "_gradsight_module_note"


def name_module_in_error(error: Exception, module) -> None:
    """Prefix `error`'s message with the path, relative to `module`, of the module it came from
    (`layers.3 (Linear): ...`); each enclosing module rewrites the same prefix, so it appears once."""
    if isinstance(error, (StopIteration, StopAsyncIteration)):
        return  # control flow, not a failure: its value must stay as it is
    trail = getattr(error, _TRAIL, None)
    try:
        if trail is None:
            trail = [module]
            setattr(error, _TRAIL, trail)
            rewritable = (len(error.args) == 1 and isinstance(error.args[0], str)
                          and type(error).__str__ is BaseException.__str__)
            setattr(error, _MESSAGE, error.args[0] if rewritable else None)
        else:
            trail.append(module)
    except AttributeError:  # an exception class with __slots__ takes no attributes: leave it alone
        return
    if len(trail) < 2:
        return  # raised by this module itself: the traceback already names it
    path = _path_between(trail[::-1])
    where = f"{path} ({type(trail[0]).__name__})"
    original = getattr(error, _MESSAGE)
    if original is not None:
        error.args = (f"{where}: {original}",)
        return
    # messages NumPy or a custom __str__ builds from several arguments: a note instead
    if not hasattr(error, "add_note"):
        return  # Python 3.10 has no notes; the traceback still lists the modules' forward calls
    notes = getattr(error, "__notes__", [])
    previous = getattr(error, _NOTE, None)
    if previous in notes:
        notes.remove(previous)
    note = f"raised in module {where}"
    error.add_note(note)
    setattr(error, _NOTE, note)


def _path_between(chain: list) -> str:
    """Dotted path from chain[0] down to chain[-1], each module found among its caller's sub-modules."""
    parts = []
    for parent, child in zip(chain, chain[1:]):
        found = next((name for name, sub in parent.named_modules() if sub is child and name), None)
        parts.append(found if found is not None else f"<unregistered {type(child).__name__}>")
    return ".".join(parts)
