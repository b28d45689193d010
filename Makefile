# news-etl: `make run` and `make test` do all of their own set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INPUT ?= sample
OUTPUT ?= data/clean

.PHONY: install run test lint fuzz bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

run: install
	$(BIN)/news-etl run $(INPUT) $(OUTPUT)
	@echo ""
	@echo "Output in $(OUTPUT)/: articles/ (Parquet, year=YYYY/month=MM), rejects/, _runs/ (one JSON per run)."
	@echo "Read it:  $(BIN)/news-etl stats $(OUTPUT)"
	@echo "      or: $(BIN)/python -c \"import pyarrow.dataset as ds; print(ds.dataset('$(OUTPUT)/articles', partitioning='hive').to_table().select(['published_at', 'publisher', 'title']))\""
	@echo "      or: duckdb -c \"SELECT publisher, count(*) FROM read_parquet('$(OUTPUT)/articles/**/*.parquet', hive_partitioning=true) GROUP BY 1\""

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

# Property tests with many thousands of examples each (FUZZ_EXAMPLES, default 5000).
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_properties.py

bench: install
	$(BIN)/python -m pip install -q -e ".[dev,bench]"
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

clean:
	rm -rf data .pytest_cache .ruff_cache .hypothesis
