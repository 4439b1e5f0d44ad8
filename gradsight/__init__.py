"""gradsight's command line and the lectures' experiments tour (the engine lives in `autograd`, `nn`, `viz`)."""
from .claims import ClaimResult

__all__ = ["ClaimResult"]
__version__ = "0.1.0"
