"""Which CommonMark parser renders Markdown bodies: markdown-it-py, mistune, cmark-gfm, side by side.

    python bench/markdown_parsers.py [--repeat 200] [--gold DIR]...

Speed: every Markdown body of the fixture posts (front matter and headers cut off by the
pipeline's own layouts), rendered ``--repeat`` times by each parser, in one process, one core.
Fidelity: each parser put in the pipeline's place (``transforms.markdown_html.render``) and
the whole cleaner run on the fixtures with expected records (``tests/fixtures/markdown``) and
on any gold folder given (the families' gold): exact paragraphs, text bigram-F1, and the
records that still hold Markdown syntax.

mistune and cmarkgfm are not dependencies of news-etl; install them to compare
(``uv pip install mistune cmarkgfm``). A parser that is not installed is reported as such.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scoring import bigram_f1  # noqa: E402
from transforms import markdown_html  # noqa: E402
from transforms.body_format import body_format  # noqa: E402
from transforms.decode import decode  # noqa: E402
from transforms.layouts import split_layout  # noqa: E402
from transforms.pipeline import clean_document  # noqa: E402
from transforms.records import Record  # noqa: E402

MARKDOWN_LEFT = ("![", "](http", "~~", "**", "\n## ", "\n---")


def parsers() -> dict[str, Callable[[str], str] | str]:
    """Each candidate configured as the pipeline needs it: raw HTML kept, tables, strikethrough,
    indented text a paragraph where the parser allows it; or why it cannot run."""
    out: dict[str, Callable[[str], str] | str] = {"markdown-it-py": markdown_html.render}
    try:
        import mistune

        md = mistune.create_markdown(escape=False, plugins=["strikethrough", "table"])
        md.block.rules.remove("indent_code")
        out[f"mistune {mistune.__version__}"] = lambda text: md(text)
    except ImportError:
        out["mistune"] = "not installed"
    try:
        import cmarkgfm
        from cmarkgfm.cmark import Options

        out["cmarkgfm (cmark-gfm, C)"] = lambda text: cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    except ImportError:
        out["cmarkgfm"] = "not installed"
    return out


def markdown_bodies(files: list[Path]) -> list[str]:
    """The bodies the pipeline would render: what the layouts leave under the header, when it is Markdown."""
    bodies = []
    for f in files:
        text = decode(f.read_bytes()).text
        env = split_layout(text)
        if env is None or env.layout == "mirror":
            continue
        body = text if env.layout == "text" else env.body  # the text layout renders as it splits
        if body_format(body) == "markdown":
            bodies.append(body)
    return bodies


def expected_records(gold_dirs: list[Path]) -> list[tuple[Path, str, dict]]:
    """(file, source path, expected) for the Markdown fixtures and every gold record given."""
    md = ROOT / "tests" / "fixtures" / "markdown"
    out = [(md / name, name, want) for name, want in json.loads((md / "expected.json").read_text("utf-8")).items()]
    for gold in gold_dirs:
        corpus = gold.parent / gold.name.removesuffix("_gold") if gold.name.endswith("_gold") else gold.parent
        for g in sorted(gold.rglob("*.json")):
            rec = json.loads(g.read_text("utf-8"))
            src = corpus / rec["source_path"]
            if src.exists():
                out.append((src, rec["source_path"], {"paragraphs": (rec.get("text") or "").split("\n\n")}))
    return out


def fidelity(render: Callable[[str], str], cases: list[tuple[Path, str, dict]]) -> dict[str, float]:
    original = markdown_html.render
    markdown_html.render = lambda text, html=True: render(text)  # type: ignore[assignment]
    import transforms.body_format as bf

    bf_render, bf.render = bf.render, markdown_html.render
    try:
        exact = f1 = left = 0.0
        for path, rel, want in cases:
            rec = clean_document(path.read_bytes(), rel)
            text = rec.text if isinstance(rec, Record) else ""
            exact += text.split("\n\n") == want["paragraphs"]
            f1 += bigram_f1(text, "\n\n".join(want["paragraphs"]))
            left += any(m in "\n" + text for m in MARKDOWN_LEFT)
        n = max(1, len(cases))
        return {"exact": exact / n, "f1": f1 / n, "markdown_left": left}
    finally:
        markdown_html.render, bf.render = original, bf_render


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--gold", type=Path, action="append", default=[],
                    help="a gold folder named <corpus>_gold beside its corpus (e.g. tests/fixtures/families_gold)")
    args = ap.parse_args(argv)
    cases = expected_records(args.gold)
    bodies = markdown_bodies([c[0] for c in cases])
    chars = sum(len(b) for b in bodies)
    print(f"{len(bodies)} Markdown bodies ({chars:,} characters) × {args.repeat}; {len(cases)} records with expected text\n")
    print("| parser | bodies/s | MB/s | exact paragraphs | text F1 | records with Markdown left |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, render in parsers().items():
        if isinstance(render, str):
            print(f"| {name} | {render} | | | | |")
            continue
        for b in bodies[:5]:
            render(b)  # warm caches
        t = time.perf_counter()
        for _ in range(args.repeat):
            for b in bodies:
                render(b)
        dt = time.perf_counter() - t
        fid = fidelity(render, cases)
        print(f"| {name} | {len(bodies) * args.repeat / dt:,.0f} | {chars * args.repeat / dt / 1e6:.1f} | "
              f"{fid['exact']:.3f} | {fid['f1']:.3f} | {fid['markdown_left']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
