import sys

from clotwatch.cli import main

sys.exit(main())
