#!/usr/bin/env python3
"""Builds tests/text/data/equiv_bench.jsonl, the labelled pairs of
bench/equiv.cpp's accuracy report (issue 8).

One JSON object per line: {"a", "b", "label" (equal|not_equal), "class",
"form", "split"}. Classes follow the issue: whole_solution, double_escaped,
labelled, sets_intervals, formatting, prose.

Splits, so that nothing is tuned on one set only:
- "dev": built from MATH *train* solutions plus the hand-written forms below;
- "holdout": built from MATH *test* and GSM8K *test* solutions by the same
  rules, plus hand-written forms that were written after the library
  changes and not used to tune them; reported separately.

Whole solutions are real worked solutions (MATH ends in \\boxed{}, GSM8K in
"#### N"), optionally restyled the way models write them (<think> blocks,
"The answer is", "Final Answer:", "**Answer:**", \\( \\), long reasoning).
The bare answer is taken from the solution itself; equal rewrites and near
misses come from make_pairs.py's rules (labels follow from the rewrite rule,
never from the library) and from the perturbations below.

Data: MATH (Hendrycks et al. 2021, MIT), GSM8K (Cobbe et al. 2021, MIT);
see ../shared/data/README.md.

Usage (from the repo root):
  python3 tests/text/data/make_equiv_bench.py ../shared/data \
    > tests/text/data/equiv_bench.jsonl
Deterministic for a given data directory.
"""

import gzip
import json
import os
import re
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_pairs as mp  # noqa: E402

EQ, NE = "equal", "not_equal"
out = []
seen = set()


def emit(a, b, label, cls, form, split):
    if (a, b, split) in seen or not a.strip() or not b.strip():
        return
    seen.add((a, b, split))
    out.append({"a": a, "b": b, "label": label, "class": cls, "form": form,
                "split": split})


# -- data --------------------------------------------------------------------

def math_rows(root, name):
    path = f"{root}/math/{name}"
    opener = gzip.open if path.endswith(".gz") else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ans = mp.last_boxed(r["solution"])
            if ans and r["solution"].count("\\boxed") == 1:
                rows.append((r["unique_id"], r["solution"], ans))
    rows.sort()
    return rows


def gsm_rows(root, name):
    rows = []
    with open(f"{root}/gsm8k/{name}", encoding="utf-8") as f:
        for line in f:
            sol = json.loads(line)["answer"]
            ans = sol.split("####")[-1].strip()
            if re.fullmatch(r"-?\d[\d,]*(\.\d+)?", ans):
                rows.append((sol, ans.replace(",", "")))
    return rows


def every(rows, n):
    step = max(1, len(rows) // n)
    return rows[::step][:n]


# -- near misses -------------------------------------------------------------

INT = re.compile(r"^-?\d+$")
FRAC = re.compile(r"^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$")


def near_misses(ans):
    """Answers that differ from `ans` by construction."""
    if INT.match(ans):
        n = int(ans)
        return [str(n + 1), str(10 * n) if n != 0 else "1", str(-n - 2)]
    m = FRAC.match(ans)
    if m:
        s, p, q = m.group(1), int(m.group(2)), int(m.group(3))
        res = [f"{s}\\frac{{{p + 1}}}{{{q}}}"]
        if p != q:
            res.append(f"{s}\\frac{{{q}}}{{{p}}}")
        return res
    if re.fullmatch(r"-?\d+\.\d+", ans):
        return [str(Fraction(ans) * 10)]
    return []


# -- model styles of a whole solution ----------------------------------------

def unbox(sol, ans):
    """The solution with its box replaced by the bare answer."""
    i = sol.rfind("\\boxed")
    j = sol.find("{", i)
    depth, k = 0, j
    for k in range(j, len(sol)):
        depth += sol[k] == "{"
        depth -= sol[k] == "}"
        if depth == 0:
            break
    return sol[:i] + ans + sol[k + 1:]


def styles(sol, ans, i):
    """A MATH solution as several model styles; the style rotates with i."""
    body = unbox(sol, ans)
    long_think = ("<think>\n" + (body + "\nWait, let me double-check.\n") * 3
                  + "</think>\n\n")
    all_styles = [
        ("boxed", sol),
        ("answer_is", f"{body}\n\nThe answer is ${ans}$."),
        ("final_answer", f"{body}\nFinal Answer: The final answer is ${ans}$."
                         " I hope it is correct."),
        ("bold_answer", f"{body}\n\n**Answer:** ${ans}$"),
        ("think", f"<think>{body}</think>\n\nThe answer is \\({ans}\\)."),
        ("display", f"{body}\n\nTherefore\n\\[\\boxed{{{ans}}}\\]"),
        ("long_think", long_think + f"**Final Answer**\n\\[\\boxed{{{ans}}}\\]"),
    ]
    return all_styles[i % len(all_styles)]


def gsm_styles(sol, ans, i):
    body = sol[:sol.rfind("####")].rstrip()
    all_styles = [
        ("hash", sol),
        ("boxed", f"{body}\nSo the answer is $\\boxed{{{ans}}}$."),
        ("answer_is", f"{body}\nThe answer is {ans}."),
        ("bold_answer", f"{body}\n\n**Answer:** {ans}"),
    ]
    return all_styles[i % len(all_styles)]


def double_escape(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def equal_rewrites(answers):
    """make_pairs.py's rewrite rules applied to `answers`."""
    mp.rows.clear()
    mp.seen.clear()
    for gen in (mp.gen_fractions, mp.gen_frac_short, mp.gen_mixed,
                mp.gen_sqrt, mp.gen_pi, mp.gen_tuples, mp.gen_intervals,
                mp.gen_unions, mp.gen_sets_pm, mp.gen_lists, mp.gen_text,
                mp.gen_complex, mp.gen_units_degrees, mp.gen_polynomials,
                mp.gen_equations):
        gen(answers)
    by_answer = {}
    for a, b, label, form in mp.rows:
        by_answer.setdefault(a, []).append((b, label, form))
    return by_answer


def whole_math(rows, split, count):
    picked = every(rows, count)
    rewrites = equal_rewrites(mp.unique([a for _, _, a in rows]))
    for i, (_, sol, ans) in enumerate(picked):
        style, text = styles(sol, ans, i)
        emit(text, ans, EQ, "whole_solution", style, split)
        for miss in near_misses(ans)[:1]:
            emit(text, miss, NE, "whole_solution", style + "/near_miss", split)
        if i % 4 == 0:
            esc = double_escape(sol)
            emit(esc, ans, EQ, "double_escaped", "solution", split)
            for miss in near_misses(ans)[:1]:
                emit(esc, miss, NE, "double_escaped", "solution", split)
    # Solutions whose answer has rewrite rules: the rewritten forms.
    index = {}
    for _, sol, ans in rows:
        index.setdefault(ans, sol)
    n = 0
    for ans, forms in sorted(rewrites.items()):
        if ans not in index:
            continue
        # "81,256" for the list "81, 256" reads as a thousands separator
        # (the library's documented rule), so that rewrite is left out.
        forms = [f for f in forms
                 if not re.fullmatch(r"-?\d{1,3}(,\d{3})+", f[0])]
        for b, label, form in forms[:2]:
            style, text = styles(index[ans], ans, n)
            emit(text, b, label, "whole_solution", "rewrite/" + form, split)
            n += 1


def whole_gsm(rows, split, count):
    for i, (sol, ans) in enumerate(every(rows, count)):
        style, text = gsm_styles(sol, ans, i)
        n = Fraction(ans)
        emit(text, ans, EQ, "whole_solution", "gsm/" + style, split)
        forms = [f"\\${ans}", f"{ans} dollars", f"{ans}.00"]
        emit(text, forms[i % 3], EQ, "whole_solution", "gsm/" + style, split)
        misses = [str(n + 1), str(n * 10), str(n / 10)]
        emit(text, misses[i % 3], NE, "whole_solution",
             "gsm/" + style + "/near_miss", split)


def labelled_generated(rows, split, count):
    names = ["x", "m", "n", "k", "a", "AB", "|PQ|", "f(3)", "P(A)"]
    for i, (_, _, ans) in enumerate(every(rows, count)):
        if not (INT.match(ans) or FRAC.match(ans)):
            continue
        name = names[i % len(names)]
        emit(f"{name} = {ans}", ans, EQ, "labelled", "generated", split)
        for miss in near_misses(ans)[:1]:
            emit(f"{name} = {ans}", miss, NE, "labelled", "generated", split)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    train = math_rows(root, "train.jsonl.gz")
    test = math_rows(root, "test.jsonl")
    whole_math(train, "dev", 240)
    whole_math(test, "holdout", 240)
    whole_gsm(gsm_rows(root, "train.jsonl"), "dev", 60)
    whole_gsm(gsm_rows(root, "test.jsonl"), "holdout", 120)
    labelled_generated(train, "dev", 120)
    labelled_generated(test, "holdout", 120)
    import equiv_bench_forms  # hand-written forms
    for a, b, label, cls, form in equiv_bench_forms.FORMS:
        emit(a, b, label, cls, form, "dev")
    for a, b, label, cls, form in equiv_bench_forms.HOLDOUT_FORMS:
        emit(a, b, label, cls, form, "holdout")
    for row in out:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
