"""Errors of the image writer, the layout verifier and the registry push.

::

    CleaveError
    └── ImageError             a layer input that cannot go into an image (symlink escaping, special or unreadable file)
        ├── LayoutError        a written layout whose blobs or diff_ids do not match their digests
        └── PushError          the registry refused or could not be reached
            └── RegistryReferenceError   a registry string that is not HOST[:PORT][/PREFIX] (also a UsageError)
"""

from __future__ import annotations

from cleave.errors import CleaveError, UsageError


class ImageError(CleaveError):
    """An input that cannot go into an image: names the file and says what to do."""


class LayoutError(ImageError):
    """An OCI image layout that fails verification (missing blob, wrong digest or diff_id)."""


class PushError(ImageError):
    """The registry refused a blob or manifest, or could not be reached."""


class RegistryReferenceError(PushError, UsageError):
    """A registry argument that is not ``[scheme://]HOST[:PORT][/PREFIX]``: a usage error (exit 2)."""
