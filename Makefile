# news-etl: `make run` and `make test` do all of their own set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INPUT ?= sample
OUTPUT ?= data/clean
# The lock (uv.lock) is the dependency tree; requirements-dev.txt is the same
# tree exported with hashes, for the pip fallback when uv cannot be had.
EXTRAS ?= dev
REQUIREMENTS := requirements-dev.txt
# uv from PATH, else a private copy installed from the package index into .tools/.
UV_BOOT := .tools
UV = $(shell command -v uv 2>/dev/null || echo $(UV_BOOT)/bin/uv)
# Never fetch a Python of uv's own: the machine's $(PYTHON) builds the venv.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Byte-compile what is installed. Machines that set PYTHONDONTWRITEBYTECODE (this one does)
# never cache a .pyc, so every process compiled Prefect and its tree from source again:
# ~3 s of each `news-etl run`, and of each of the hundreds of processes the tests start.
export UV_COMPILE_BYTECODE := 1
# The project's own sources, compiled before the tests start their subprocesses.
SOURCES := flows transforms schemas tests bench

.PHONY: install lock run test test-fast lint fuzz bench clean

install: $(VENV)/.installed

# Re-run whenever the lock or pyproject changes. `uv sync --locked` fails if
# pyproject.toml asks for something uv.lock does not hold: run `make lock`.
$(VENV)/.installed: pyproject.toml uv.lock $(REQUIREMENTS)
	@if $(MAKE) -s uv >/dev/null 2>&1; then \
	  echo "$(UV) sync --locked --extra $(EXTRAS)"; \
	  $(UV) sync --locked --python $(PYTHON) --extra $(EXTRAS); \
	else \
	  echo "uv unavailable: pip install from $(REQUIREMENTS) (hashed)"; \
	  test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	  $(BIN)/python -m pip install -q --require-hashes --no-deps -r $(REQUIREMENTS) && \
	  $(BIN)/python -m pip install -q --no-deps -e . && \
	  $(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null; \
	fi
	touch $@

# uv itself, when the machine has none.
.PHONY: uv
uv:
	@command -v uv >/dev/null 2>&1 || test -x $(UV_BOOT)/bin/uv || \
	  { $(PYTHON) -m venv $(UV_BOOT) && $(UV_BOOT)/bin/python -m pip install -q uv; }
	@$(UV) --version >/dev/null

# After editing dependencies in pyproject.toml: resolve again and re-export the hashed file.
lock: uv
	$(UV) lock
	$(UV) export --frozen --format requirements-txt --extra $(EXTRAS) --no-emit-project -q -o $(REQUIREMENTS)

run: install
	@$(BIN)/python -m compileall -q -j 0 $(SOURCES) >/dev/null
	$(BIN)/news-etl run $(INPUT) $(OUTPUT)
	@echo ""
	@echo "Output in $(OUTPUT)/: articles/ (Parquet, year=YYYY/month=M), rejects/, _runs/ (one JSON per run)."
	@echo "Read it:  $(BIN)/news-etl stats $(OUTPUT)"
	@echo "      or: $(BIN)/python -c \"import pyarrow.dataset as ds; print(ds.dataset('$(OUTPUT)/articles', partitioning='hive').to_table().select(['published_at', 'publisher', 'title']))\""
	@echo "      or: $(BIN)/python -c \"import duckdb; duckdb.sql(\\\"SELECT publisher, count(*) FROM read_parquet('$(OUTPUT)/articles/**/*.parquet', hive_partitioning=true) GROUP BY 1\\\").show()\""

test: install
	$(BIN)/ruff check .
	@$(BIN)/python -m compileall -q -j 0 $(SOURCES) >/dev/null
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

# The quick loop while editing: everything but the tests marked slow (real servers, clusters,
# CLI runs; tests/conftest.py marks every test that uses a server). `make test` and CI run them all.
test-fast: install
	$(BIN)/ruff check .
	@$(BIN)/python -m compileall -q -j 0 $(SOURCES) >/dev/null
	$(BIN)/python -m pytest -q -n auto -m "not slow"

lint: install
	$(BIN)/ruff check .

# Property tests with many thousands of examples each (FUZZ_EXAMPLES, default 5000).
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_properties.py

bench: install uv
	$(UV) sync --locked --python $(PYTHON) --extra dev --extra bench
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

clean:
	rm -rf data .pytest_cache .ruff_cache .hypothesis
