# wraith — make targets. `make` lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

export CARGO_TARGET_DIR ?= $(HOME)/.cache/wraith-target
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/wraith_dev
CARGO ?= cargo
TOOLS := .tools/node_modules/.bin
WASM_DIR := $(CARGO_TARGET_DIR)/wasm32-wasip2/wasm
# Every handlers/<name>/ is the crate <name>-handler; every tests/fixtures/handlers/<name>/ is fixture-<name>.
HANDLER_CRATES := $(patsubst handlers/%/Cargo.toml,%-handler,$(filter-out handlers/sdk/Cargo.toml,$(wildcard handlers/*/Cargo.toml)))
FIXTURE_CRATES := $(patsubst tests/fixtures/handlers/%/Cargo.toml,fixture-%,$(wildcard tests/fixtures/handlers/*/Cargo.toml))
DEV := .dev

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(TOOLS)/anvil $(TOOLS)/solcjs: .tools/package.json .tools/package-lock.json
	@echo "installing project-local tools (anvil, cast, solc, OpenZeppelin) into .tools/"
	cd .tools && npm ci --no-audit --no-fund --loglevel=error
	@touch $(TOOLS)/anvil $(TOOLS)/solcjs

.PHONY: tools
tools: $(TOOLS)/anvil $(TOOLS)/solcjs ## install anvil, cast, solc and OpenZeppelin into .tools/ (from npm)

.PHONY: contracts
contracts: tools ## compile contracts/src with solcjs into contracts/out
	node contracts/build.mjs

.PHONY: handlers
handlers: ## build every handler component into handlers/dist/ (and test fixtures into tests/fixtures/dist/)
	$(CARGO) build --target wasm32-wasip2 --profile wasm $(addprefix -p ,$(HANDLER_CRATES) $(FIXTURE_CRATES))
	@mkdir -p handlers/dist tests/fixtures/dist
	@for c in $(HANDLER_CRATES); do f=$$(echo $$c | tr - _).wasm; cp $(WASM_DIR)/$$f handlers/dist/$$f; echo "  handlers/dist/$$f"; done
	@for c in $(FIXTURE_CRATES); do f=$$(echo $$c | tr - _).wasm; cp $(WASM_DIR)/$$f tests/fixtures/dist/$$f; echo "  tests/fixtures/dist/$$f"; done
	@# The v2 fixture: ghost-core built with a feature (a separate build, so
	@# that features do not unify with the real handler), then v1 again.
	$(CARGO) build --target wasm32-wasip2 --profile wasm -p ghost-core-handler --features v2
	@cp $(WASM_DIR)/ghost_core_handler.wasm tests/fixtures/dist/ghost_core_handler_v2.wasm && echo "  tests/fixtures/dist/ghost_core_handler_v2.wasm"
	$(CARGO) build --target wasm32-wasip2 --profile wasm -p ghost-core-handler
	@cp $(WASM_DIR)/ghost_core_handler.wasm handlers/dist/ghost_core_handler.wasm

.PHONY: build
build: ## build the wraith binary (release)
	$(CARGO) build --release -p wraith-host
	@echo "  $(CARGO_TARGET_DIR)/release/wraith"

.PHONY: db
db: ## start PostgreSQL if it is down and create the dev database if missing
	@scripts/ensure-postgres.sh
	@scripts/ensure-database.sh "$(DATABASE_URL)"

.PHONY: run
run: build db handlers ## run the host with config/wraith.toml
	$(CARGO_TARGET_DIR)/release/wraith --config config/wraith.toml run

.PHONY: dev
dev: tools contracts handlers build db ## run everything locally: anvil, contracts, demo traffic, the host
	$(CARGO) build --release -p wraith-tests --bin wraith-devnet
	scripts/dev.sh

.PHONY: lint
lint: ## rustfmt check, clippy (host and wasm handlers) with -D warnings
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --target wasm32-wasip2 $(addprefix -p ,$(HANDLER_CRATES) $(FIXTURE_CRATES)) -- -D warnings

.PHONY: test-unit
test-unit: ## unit tests (no services)
	$(CARGO) test --workspace --lib --bins

.PHONY: browser
browser: ## install Debian's chromium and chromium-driver (for the status page test) if missing
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
	  echo "installing chromium and chromium-driver from Debian (the status page test drives them)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver \
	    || { $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; }; \
	fi

.PHONY: test-integration
test-integration: tools contracts handlers db browser ## integration tests (anvil, PostgreSQL, the real binary and components), then schemathesis
	$(CARGO) build -p wraith-host
	WRAITH_BIN=$(CARGO_TARGET_DIR)/debug/wraith $(CARGO) test -p wraith-tests --test it -- --test-threads 4
	$(MAKE) schemathesis

.tools/venv/bin/st:
	@echo "installing schemathesis into .tools/venv (from PyPI)"
	python3 -m venv .tools/venv
	.tools/venv/bin/pip install -q "schemathesis==4.32.5"

.PHONY: schemathesis
schemathesis: tools contracts handlers db .tools/venv/bin/st ## property-based run of the OpenAPI document against a seeded host: no 5xx
	$(CARGO) build -p wraith-host -p wraith-tests --bin wraith-devnet
	scripts/schemathesis.sh

.PHONY: test
test: lint test-unit test-integration ## everything CI runs: lint, unit and integration tests

.PHONY: bench
bench: tools contracts handlers db ## benchmarks; prints figures and writes bench/results/
	$(CARGO) build --release -p wraith-host -p wraith-bench
	WRAITH_BIN=$(CARGO_TARGET_DIR)/release/wraith $(CARGO_TARGET_DIR)/release/wraith-bench --out bench/results $(if $(ONLY),--only $(ONLY))

.PHONY: clean
clean: ## remove build outputs (keeps the shared cargo target dir)
	rm -rf handlers/dist tests/fixtures/dist contracts/out .wraith $(DEV)
