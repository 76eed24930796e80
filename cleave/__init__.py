"""cleave: take a Python monolith apart along its seams and run the pieces as microservices.

The stages are top-level packages (``analyzer``, ``splitter``, ``packager``, ``runtime``); this package holds
the CLI (:mod:`cleave.cli`) and the artifact formats the stages exchange (:mod:`cleave.formats`).
"""

__version__ = "0.1.0"
