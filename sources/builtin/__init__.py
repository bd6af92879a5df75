"""Built-in sources, one module each; registered through the ``forecasts.sources`` entry points.

Nothing is imported here: ``load_sources()`` imports each module when it loads the registry.
"""

from __future__ import annotations
