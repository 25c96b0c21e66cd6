"""Each fix of Rasa's or Sanic's internals names the release it was written for; on another
release it still applies, but says so in the log, so an upgrade is checked rather than trusted."""

import logging
from importlib.metadata import PackageNotFoundError, version

logger = logging.getLogger(__name__)

RASA = ("rasa", "3.6.")
RASA_SDK = ("rasa-sdk", "3.6.")
SANIC = ("sanic", "21.12.")


def written_for(release: tuple, patch: str) -> bool:
    """True when the installed `release[0]` starts with `release[1]`; else log a warning naming
    `patch` and return False."""
    package, prefix = release
    try:
        installed = version(package)
    except PackageNotFoundError:
        installed = "not installed"
    if installed.startswith(prefix):
        return True
    logger.warning(
        "%s was written for %s %sx, and %s %s is installed: check that it still applies",
        patch,
        package,
        prefix,
        package,
        installed,
    )
    return False
