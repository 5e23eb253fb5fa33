"""The load test (Q2 in docs/reliability.md): `make load`."""
