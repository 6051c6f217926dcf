"""The ports test installations run on are ones the kernel never hands out by itself."""

import socket

from tests.support.processes import TEST_PORTS, _ephemeral_ports, free_port


def test_a_test_installations_ports_lie_outside_the_kernels_ephemeral_range() -> None:
    ephemeral = _ephemeral_ports()
    ports = {free_port() for _ in range(50)}
    assert all(port in TEST_PORTS and port not in ephemeral for port in ports)
    assert len(ports) == 50  # an installation's ports are drawn one after another, before any is bound


def test_a_port_in_use_is_never_handed_out() -> None:
    held = []
    try:
        for port in TEST_PORTS[:200]:
            listener = socket.socket()
            try:
                listener.bind(("127.0.0.1", port))
            except OSError:
                listener.close()
                continue
            listener.listen()
            held.append(listener)
        taken = {listener.getsockname()[1] for listener in held}
        assert all(free_port() not in taken for _ in range(300))
    finally:
        for listener in held:
            listener.close()
