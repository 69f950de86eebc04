# todo-chatbot: the commands a developer needs. `make run` and `make test` do all the set-up.
SHELL := /bin/bash
CARGO ?= cargo
BIN := todo-chatbot
# PostgreSQL tests use a fresh database per test, created through this admin URL.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run build test test-pg lint fmt openapi clean bench up down

## run: build and serve on http://127.0.0.1:8000 (SQLite in ./data, offline model, JSON logs)
run:
	$(CARGO) run --release --bin $(BIN) -- serve

build:
	$(CARGO) build --release --bin $(BIN)

## test: lint first, then every test of the workspace (PostgreSQL ones need TEST_DATABASE_URL)
test: lint
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --all-features --no-fail-fast; \
	else \
		$(CARGO) test --workspace --all-features --no-fail-fast; \
	fi

## test-pg: only the tests that talk to PostgreSQL, against TEST_DATABASE_URL
test-pg:
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) CI=true $(CARGO) test --workspace --all-features -- postgres

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

fmt:
	$(CARGO) fmt --all

## bench: criterion micro-benchmarks, the decorator, one chat and telemetry's cost per request in instructions (callgrind), then the load benchmark (wrk, SQLite and PostgreSQL, pgbench ceiling)
bench:
	@command -v wrk >/dev/null || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1) \
	  || (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	@command -v pgbench >/dev/null || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib >/dev/null 2>&1) \
	  || (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib >/dev/null)
	@command -v valgrind >/dev/null || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null 2>&1) \
	  || (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null)
	$(CARGO) bench --bench telemetry
	set -o pipefail; bash bench/decorator_instructions.sh | tee target/decorator-instructions.txt
	$(CARGO) build --release --bin $(BIN)
	set -o pipefail; bash bench/chat_instructions.sh | tee target/chat-instructions.txt
	set -o pipefail; bash bench/telemetry_instructions.sh | tee target/telemetry-instructions.txt
	DECORATOR_INSTRUCTIONS=target/decorator-instructions.txt CHAT_INSTRUCTIONS=target/chat-instructions.txt \
	  TELEMETRY_INSTRUCTIONS=target/telemetry-instructions.txt bash bench/run.sh

## openapi: print the OpenAPI document
openapi:
	@$(CARGO) run --quiet --bin $(BIN) -- openapi

clean:
	$(CARGO) clean

## up: the whole stack in Docker (app on PostgreSQL, OTel Collector, Jaeger, Prometheus, Grafana)
up:
	docker compose -f deploy/compose.yaml up --build -d
	@echo "app         http://localhost:8000/docs"
	@echo "jaeger      http://localhost:16686"
	@echo "grafana     http://localhost:3000"
	@echo "prometheus  http://localhost:9090"

## down: stop the stack (add `-v` by hand to also delete its volumes)
down:
	docker compose -f deploy/compose.yaml down
