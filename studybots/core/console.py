"""A quiet console for the operators' commands (publish, evaluate).

Libraries' deprecation notices are for the developers (who see them in the
test run), not for an editor publishing a model. Sanic, which Rasa imports,
turns DeprecationWarnings back on ("once") when it is imported, so it is
imported before the filters are set.
"""

from __future__ import annotations

import warnings

# Rasa's own notice on every domain load, about a feature the bots never used.
RASA_NOTICES = ("Slot auto-fill has been removed",)


def quiet_warnings() -> None:
    import sanic  # noqa: F401  # its import-time filter first, ours after it

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    for notice in RASA_NOTICES:
        warnings.filterwarnings("ignore", message=notice, category=UserWarning)
