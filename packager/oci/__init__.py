"""OCI images written by cleave itself: daemonless, reproducible, incremental, verified.

Public API (what ``cleave build`` and ``cleave push`` call)::

    build_images(services: Sequence[ImageInput], layout: Path, *, cache_dir: Path, progress=None,
                 search_path=None, gzip_level=6) -> dict[str, ImageResult]
    verify_layout(layout: Path) -> list[str]           # tags verified; raises LayoutError on any mismatch
    default_cache_dir() -> Path                         # $CLEAVE_CACHE_DIR or ~/.cache/cleave/oci, shared by builds
    push_layout(layout: Path, registry: str, ...) -> list[PushResult]
"""

from packager.oci.build import build_images, installed_version
from packager.oci.cache import default_cache_dir
from packager.oci.errors import ImageError, LayoutError, PushError
from packager.oci.model import ImageInput, ImageResult, LayerInfo
from packager.oci.push import PushResult, push_layout
from packager.oci.verify import verify_layout

__all__ = ["ImageError", "ImageInput", "ImageResult", "LayerInfo", "LayoutError", "PushError", "PushResult",
           "build_images", "default_cache_dir", "installed_version", "push_layout", "verify_layout"]
