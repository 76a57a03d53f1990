"""dockwright's rules, one module each; importing this package registers them all."""

from dockwright.check.rules import (
    dw100,
    dw101,
    dw102,
    dw103,
    dw104,
    dw105,
    dw106,
    dw107,
    dw108,
    dw109,
    dw110,
    dw111,
    dw112,
    dw113,
    dw114,
)

__all__ = [
    "dw100",
    "dw101",
    "dw102",
    "dw103",
    "dw104",
    "dw105",
    "dw106",
    "dw107",
    "dw108",
    "dw109",
    "dw110",
    "dw111",
    "dw112",
    "dw113",
    "dw114",
]
