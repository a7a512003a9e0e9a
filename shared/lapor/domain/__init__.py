"""Pure domain code: no AWS, no I/O. Everything here is unit-testable without sockets."""
