# Portier: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
NODE_TEST := node --import tsx --test --test-reporter=spec
DATA_DIR ?= .data

.PHONY: setup run test test-unit test-integration test-qemu image bundle lint format bench clean

setup:
	@bash scripts/setup.sh

# The web UI, built into build/ui when its sources changed (web/build-ui.ts checks the rest).
UI_SOURCES := $(shell find web/ui -type f 2>/dev/null) web/build-ui.ts web/events/feed.ts
ui: build/ui/manifest.json
build/ui/manifest.json: $(UI_SOURCES) | setup
	node --import tsx web/build-ui.ts

run: setup ui
	node bin/portier.mjs run --dev --pretty --data-dir $(DATA_DIR)

test: setup ui image
	bash scripts/test.sh all

test-unit: setup
	bash scripts/test.sh unit

test-integration: setup
	bash scripts/test.sh integration

test-qemu: setup image
	bash scripts/test.sh qemu

# The emulated door phone (QEMU): kernel, gpio-sim, node, baresip and the agent; cached in rootfs/build.
image: setup
	bash rootfs/build.sh

# The A/B variant (RAUC): disks with slot A, slot B and data in rootfs/build/out/ab, and a signed bundle
# of this version (rootfs/build/out/portier-<version>.raucb; dev key made in rootfs/build/keys).
# `make bundle BUNDLE_VERSION=1.2.3` puts another version in the manifest.
BUNDLE_VERSION ?= $(shell node -p "require('./package.json').version" 2>/dev/null)
bundle: setup
	bash rootfs/bundle.sh --version $(BUNDLE_VERSION) --out rootfs/build/out/portier-$(BUNDLE_VERSION).raucb

lint: setup
	npx biome check .
	npx tsc --noEmit -p .

format: setup
	npx biome check --write .

bench: setup ui
	bash scripts/bench.sh

clean:
	rm -rf build test-results
