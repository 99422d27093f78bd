"""The ``leakhound`` command installed with the package: the same command line as the Rust
binary, compiled into the extension."""

import sys

from . import _leakhound


def main() -> None:
    """Run the command line with ``sys.argv`` and exit with its code."""
    sys.exit(_leakhound.main(["leakhound", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
