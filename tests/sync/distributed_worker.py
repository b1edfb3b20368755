"""``lienthong`` for the distributed tests' subprocesses: the tenancy shim first (`tenancy_shim`), then the CLI."""

import sys

from tests.sync.tenancy_shim import install

if __name__ == "__main__":
    install()
    from lienthong.cli.main import main

    sys.exit(main())
