# Thin wrapper around ./dev, which works without make on a fresh machine.
.PHONY: help run test lint bench setup
help: ; @./dev help
run: ; ./dev run
test: ; ./dev test
lint: ; ./dev lint
bench: ; ./dev bench
setup: ; ./dev setup
