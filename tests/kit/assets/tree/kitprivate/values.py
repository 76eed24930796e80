"""A value type only the service has."""

import dataclasses


@dataclasses.dataclass
class Secret:
    value: int
