"""Pure domain code: counting a note's words. (It also says which service ran it, for the mixed-seam tests.)"""

from __future__ import annotations

import os


def count_words(text: str) -> dict[str, object]:
    """The number of words of ``text``, and the service that counted them."""
    return {"words": len(text.split()), "counted_by": os.environ.get("CLEAVE_SERVICE", "monolith")}
