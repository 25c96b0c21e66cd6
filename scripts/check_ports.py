"""Exit with a clear message when a port the assistant needs is already taken.

python scripts/check_ports.py "Rasa server=5005" "action server=5055"
"""

import errno
import socket
import sys


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def main(specs: list) -> int:
    taken = []
    for spec in specs:
        name, _, port = spec.rpartition("=")
        if not port_is_free(int(port)):
            taken.append((name, int(port)))
    for name, port in taken:
        print(
            f"Port {port} for the {name} is already in use. Stop whatever is listening there "
            f"(see: ss -ltnp 'sport = :{port}') or choose another port (see README).",
            file=sys.stderr,
        )
    return 1 if taken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
