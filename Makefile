# Portier: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
NODE_TEST := node --import tsx --test --test-reporter=spec
DATA_DIR ?= .data

.PHONY: setup run test test-unit test-integration lint format bench clean

setup:
	@bash scripts/setup.sh

run: setup
	node bin/portier.mjs run --dev --pretty --data-dir $(DATA_DIR)

test: setup
	bash scripts/test.sh all

test-unit: setup
	bash scripts/test.sh unit

test-integration: setup
	bash scripts/test.sh integration

lint: setup
	npx biome check .
	npx tsc --noEmit -p .

format: setup
	npx biome check --write .

bench: setup
	bash scripts/bench.sh

clean:
	rm -rf build test-results
