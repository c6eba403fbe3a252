#!/usr/bin/env python3
"""Compare `sift decisions` output with the datatrove oracle's, per filter.

Reads WORK/SET.oracle.jsonl and WORK/SET.sift.jsonl for each SET given, prints
an agreement table (keep/drop agreement, reason agreement where both drop,
c4 text agreement where both keep, language label agreement) and every
disagreement, and writes WORK/parity.md (the table) and
WORK/disagreements.jsonl. With WORK/pages.jsonl present, also reports
language-ID accuracy on the pages that carry a `lang` field.

stdlib only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict

SIFT_NAME = {"c4": "c4_quality", "fineweb": "fineweb_quality", "url": "url_blocklist"}


def load(path: str) -> dict[tuple[str, str], dict]:
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                out[(str(r["id"]), r["filter"])] = r
    return out


def short(r: dict | None) -> str:
    if r is None:
        return "missing"
    if r["keep"] is None:
        return f"n/a ({r['reason']})"
    return "keep" if r["keep"] else f"drop:{r['reason']}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--max-print", type=int, default=0, help="print at most N disagreements per filter (0: all)")
    args = ap.parse_args()

    # filter -> counters
    stats: dict[str, Counter] = defaultdict(Counter)
    per_set: dict[tuple[str, str], Counter] = defaultdict(Counter)
    disagreements = []
    lid_rows = []
    for s in args.sets:
        oracle = load(os.path.join(args.work, f"{s}.oracle.jsonl"))
        sift = load(os.path.join(args.work, f"{s}.sift.jsonl"))
        for key, o in oracle.items():
            doc_id, flt = key
            r = sift.get(key)
            st, ps = stats[flt], per_set[(s, flt)]
            st["docs"] += 1
            ps["docs"] += 1
            if o["keep"] is None:
                st["oracle_na"] += 1
                ps["oracle_na"] += 1
                continue
            if r is None or r["keep"] is None:
                kind = "keep"
            elif r["keep"] != o["keep"]:
                kind = "keep"
            elif not o["keep"] and flt != "language" and r["reason"] != o["reason"]:
                kind = "reason"
            elif o["keep"] and flt == "c4" and "text_after" in o and r.get("text_after") != o.get("text_after"):
                kind = "text"
            else:
                kind = None
            for c in (st, ps):
                c["compared"] += 1
                if kind != "keep":
                    c["keep_agree"] += 1
                if o["keep"] is False and r is not None and r["keep"] is False:
                    c["both_drop"] += 1
                    if kind != "reason":
                        c["reason_agree"] += 1
                if o["keep"] and r is not None and r["keep"] and flt == "c4":
                    c["both_keep_c4"] += 1
                    if kind != "text":
                        c["text_agree"] += 1
            if flt == "language" and r is not None:
                for c in (st, ps):
                    c["lang_compared"] += 1
                    if r.get("language") == o.get("language"):
                        c["lang_agree"] += 1
                if s == "pages":
                    lid_rows.append((doc_id, o.get("language"), r.get("language")))
            if kind is not None:
                d = {"set": s, "id": doc_id, "filter": flt, "kind": kind, "oracle": short(o), "sift": short(r)}
                if kind == "text":
                    a, b = o.get("text_after") or "", (r or {}).get("text_after") or ""
                    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                    d["first_diff"] = i
                    d["oracle_text"] = a[max(0, i - 40) : i + 40]
                    d["sift_text"] = b[max(0, i - 40) : i + 40]
                if flt == "language" and r is not None:
                    d["oracle"] += f" {o.get('language')}={o.get('language_score')}"
                    d["sift"] += f" {r.get('language')}={r.get('language_score')}"
                disagreements.append(d)

    def pct(a: int, b: int) -> str:
        return f"{100.0 * a / b:.2f} %" if b else "n/a"

    rows = ["| filter (oracle name → sift stage) | docs | oracle n/a | keep/drop agreement | same reason (both drop) | same text (c4, both keep) | same label (language) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for flt in sorted(stats):
        c = stats[flt]
        rows.append(
            f"| `{flt}` → `{SIFT_NAME.get(flt, flt)}` | {c['docs']} | {c['oracle_na']} | "
            f"{pct(c['keep_agree'], c['compared'])} ({c['compared'] - c['keep_agree']} differ) | "
            f"{pct(c['reason_agree'], c['both_drop']) if flt != 'language' else 'no reason in datatrove'} | "
            f"{pct(c['text_agree'], c['both_keep_c4']) if flt == 'c4' else ''} | "
            f"{pct(c['lang_agree'], c['lang_compared']) if flt == 'language' else ''} |"
        )
    set_rows = ["| set | filter | compared | keep/drop agreement |", "|---|---|---:|---:|"]
    for (s, flt), c in sorted(per_set.items()):
        set_rows.append(f"| {s} | `{flt}` | {c['compared']} | {pct(c['keep_agree'], c['compared'])} |")

    print("\n## Agreement (all sets)\n")
    print("\n".join(rows))
    print("\n## Per set\n")
    print("\n".join(set_rows))

    lid_md = []
    pages_path = os.path.join(args.work, "pages.jsonl")
    if lid_rows and os.path.exists(pages_path):
        truth = {}
        with open(pages_path, encoding="utf-8") as fh:
            for line in fh:
                p = json.loads(line)
                if p.get("lang") and not p.get("synthetic_fixture"):
                    truth[str(p["id"])] = p["lang"].split("-")[0].lower()
        n = ok_sift = ok_oracle = 0
        wrong = []
        for doc_id, o_lang, s_lang in lid_rows:
            if doc_id in truth:
                n += 1
                ok_sift += s_lang == truth[doc_id]
                ok_oracle += o_lang == truth[doc_id]
                if s_lang != truth[doc_id]:
                    wrong.append(f"{doc_id}: page lang {truth[doc_id]}, sift {s_lang}, datatrove {o_lang}")
        langs = Counter(truth.values())
        lid_md = [
            f"Language ID accuracy on the {n} real (non-synthetic) pages of pages.jsonl with a `lang` field "
            f"({len(langs)} languages: {', '.join(f'{k} {v}' for k, v in langs.most_common())}): "
            f"sift {ok_sift}/{n} = {pct(ok_sift, n)}; datatrove with the same lid.176.ftz {ok_oracle}/{n} = {pct(ok_oracle, n)}.",
        ] + [f"- {w}" for w in wrong]
        print("\n## Language ID accuracy\n")
        print("\n".join(lid_md))

    by_filter = defaultdict(list)
    for d in disagreements:
        by_filter[d["filter"]].append(d)
    print(f"\n## Disagreements ({len(disagreements)})\n")
    for flt in sorted(by_filter):
        ds = by_filter[flt]
        print(f"### {flt}: {len(ds)}  {dict(Counter(d['kind'] for d in ds))}")
        for d in ds[: args.max_print or None]:
            extra = ""
            if d["kind"] == "text":
                extra = f"  @{d['first_diff']}: oracle {d['oracle_text']!r} | sift {d['sift_text']!r}"
            print(f"  {d['set']}/{d['id']}: oracle {d['oracle']} | sift {d['sift']}{extra}")

    with open(os.path.join(args.work, "disagreements.jsonl"), "w", encoding="utf-8") as fh:
        for d in disagreements:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(os.path.join(args.work, "parity.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n\n" + "\n".join(set_rows) + "\n\n" + "\n".join(lid_md) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
