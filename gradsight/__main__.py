"""`python -m gradsight ...` is the same as the `gradsight` console command."""
import sys

from .cli import main

sys.exit(main())
