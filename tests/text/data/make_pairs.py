#!/usr/bin/env python3
"""Builds tests/text/data/equiv_pairs.tsv from real benchmark answers.

Every pair starts from a real final answer: MATH test (Hendrycks et al.
2021, the last \\boxed{} of `solution`), MATH500 (`answer`) and GSM8K test
(Cobbe et al. 2021, the text after `####`). Each answer is rewritten into
forms that are equal by construction (another spelling, order, bracket
style, units, ...) and into near misses that are not equal by construction
(off by sign, by a factor, swapped order, open vs closed end, a missing
\\pm branch, ...). The label follows from the rewrite rule, never from the
library under test.

Usage: make_pairs.py ../shared/data > equiv_pairs.tsv  (from the repo root)
The output is deterministic for a given data directory.
"""

import json
import math
import re
import sys
from decimal import Decimal
from fractions import Fraction

EQ, NE = "equal", "not_equal"
GE = "\\ge"
rows = []
seen = set()


def add(a, b, label, form):
    a, b = a.strip(), b.strip()
    if "\t" in a + b or "\n" in a + b or (a, b) in seen:
        return
    seen.add((a, b))
    rows.append((a, b, label, form))


def last_boxed(s):
    i = s.rfind("\\boxed")
    if i < 0:
        return None
    j = s.find("{", i)
    if j < 0:
        return None
    depth = 0
    for k in range(j, len(s)):
        if s[k] == "{":
            depth += 1
        elif s[k] == "}":
            depth -= 1
            if depth == 0:
                return s[j + 1:k].strip()
    return None


def load(root):
    math_test = []
    for line in open(f"{root}/math/test.jsonl"):
        b = last_boxed(json.loads(line)["solution"])
        if b:
            math_test.append(b)
    math500 = [json.loads(l)["answer"].strip()
               for l in open(f"{root}/math500/test.jsonl")]
    gsm = []
    for line in open(f"{root}/gsm8k/test.jsonl"):
        gsm.append(json.loads(line)["answer"].split("####")[-1].strip())
    return math_test, math500, gsm


def unique(xs):
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out


def decimal_string(fr):
    """Exact decimal spelling of a fraction, or None if it does not end."""
    q = fr.denominator
    for p in (2, 5):
        while q % p == 0:
            q //= p
    if q != 1:
        return None
    d = Decimal(fr.numerator) / Decimal(fr.denominator)
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def frac_tex(fr):
    sign = "-" if fr < 0 else ""
    fr = abs(fr)
    if fr.denominator == 1:
        return f"{sign}{fr.numerator}"
    return f"{sign}\\frac{{{fr.numerator}}}{{{fr.denominator}}}"


FRAC = re.compile(r"^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$")
INT = re.compile(r"^-?\d+$")


def gen_integers(gsm, math_ints):
    ints = unique([int(x.replace(",", "")) for x in gsm
                   if INT.match(x.replace(",", ""))])
    small = [n for n in ints if 0 < n < 1000][:44]
    for i, n in enumerate(small):
        add(str(n), f"{n}.0", EQ, "decimal")
        add(str(n), f"{n + 1}", NE, "integer")
        k = i % 4
        if k == 0:
            add(str(n), f"\\${n}", EQ, "units")
            add(str(n), f"{n} \\text{{ dollars}}", EQ, "units")
            add(str(n), f"{n * 10}", NE, "integer")
        elif k == 1:
            add(str(n), f"{n}\\text{{ cm}}", EQ, "units")
            add(str(n), f"\\boxed{{{n}}}", EQ, "integer")
            add(str(n), f"-{n}", NE, "integer")
        elif k == 2:
            add(str(n), f"{n}.00", EQ, "decimal")
            add(str(n), f"{n} meters", EQ, "units")
            add(str(n), f"{n}.5", NE, "decimal")
        else:
            add(str(n), f"x = {n}", EQ, "equation")
            add(str(n), f"x = {n + 2}", NE, "equation")
            add(str(n), f"\\textbf{{{n}}}", EQ, "text_wrapper")
    big = [n for n in ints if n >= 1000][:16]
    for i, n in enumerate(big):
        c = f"{n:,}"
        add(str(n), c, EQ, "thousands")
        add(c.replace(",", "{,}"), str(n), EQ, "thousands")
        add(c.replace(",", ",\\!"), str(n), EQ, "thousands")
        if i % 2 == 0:
            add(f"\\${c}", f"{n}.00", EQ, "thousands")
            add(c, f"{n + 1:,}", NE, "thousands")
        else:
            add(c, f"{n * 10}", NE, "thousands")
            head, tail = divmod(n, 1000)
            add(f"({head},{tail:03d})", str(n), NE, "thousands")
    for n in small[:8]:
        add(f"{n}^2", str(n * n), EQ, "power")
        if n != 2:
            add(f"{n}^2", str(2 * n), NE, "power")
        add(f"{n}**2", str(n * n), EQ, "power")
        add(f"\\sqrt[3]{{{n ** 3}}}", str(n), EQ, "root")
        if n > 1:
            add(f"\\sqrt[3]{{{n ** 2}}}", str(n), NE, "root")
    for n in small[8:12]:
        add(f"\\sqrt[3]{{-{n ** 3}}}", f"-{n}", EQ, "root")
        add(f"\\sqrt[3]{{-{n ** 3}}}", f"{n}", NE, "root")
    composite = [n for n in small if any(n % a == 0 for a in range(2, n))]
    for n in composite[:10]:
        a = next(a for a in range(2, n) if n % a == 0)
        b = n // a
        add(f"{a} \\cdot {b}", str(n), EQ, "cdot_times")
        add(f"{a}\\times{b}", str(n), EQ, "cdot_times")
        if a + b != n:
            add(f"{a}+{b}", str(n), NE, "cdot_times")
    for n in small[12:20]:
        add(f"{n}\\%", str(n), EQ, "percent")
        add(f"{n}\\%", decimal_string(Fraction(n, 100)), EQ, "percent")
        add(f"{n}\\%", decimal_string(Fraction(n, 10)), NE, "percent")
    for n in math_ints[:6]:
        add(f"{n} \\text{{ apples}}", str(n), EQ, "units")


def gen_fractions(answers):
    seen_fr = []
    for a in answers:
        m = FRAC.match(a)
        if not m:
            continue
        fr = Fraction(int(m.group(2)), int(m.group(3)))
        if m.group(1):
            fr = -fr
        if fr in seen_fr or fr.denominator == 1:
            continue
        seen_fr.append(fr)
    for i, fr in enumerate(seen_fr[:40]):
        p, q = abs(fr.numerator), fr.denominator
        s = "-" if fr < 0 else ""
        base = frac_tex(fr)
        add(base, f"{s}{p}/{q}", EQ, "frac")
        add(base, f"{s}\\dfrac{{{2 * p}}}{{{2 * q}}}", EQ, "frac")
        add(base, f"{s}\\frac{{{p + 1}}}{{{q}}}", NE, "frac")
        add(base, frac_tex(-fr), NE, "frac")
        if p != q:
            add(base, f"{s}\\frac{{{q}}}{{{p}}}", NE, "frac")
        d = decimal_string(fr)
        if d is not None:
            add(base, d, EQ, "decimal_frac")
            add(base, decimal_string(fr * 10), NE, "decimal_frac")
        else:
            add(base, repr(float(fr)), EQ, "program_output")
            rounded = f"{float(fr):.2f}"
            add(base, rounded, NE, "program_output")
        if p < 10 and q < 10 and i % 2 == 0:
            add(f"{s}\\frac{p}{q}", base, EQ, "frac_short")
            add(f"{s}\\tfrac {p}{q}", base, EQ, "frac_short")
            if p != q:
                add(f"{s}\\frac{q}{p}", base, NE, "frac_short")


def gen_frac_short(answers):
    for a in unique(answers):
        m = re.match(r"^\\frac ?(\d)(\d)$", a)
        if m:
            p, q = int(m.group(1)), int(m.group(2))
            add(a, f"\\frac{{{p}}}{{{q}}}", EQ, "frac_short")
            if p != q:
                add(a, f"\\frac{{{q}}}{{{p}}}", NE, "frac_short")
        m = re.match(r"^\\frac(\d)\{(\d+)\}$", a) or re.match(
            r"^\\frac\{(\d+)\}(\d)$", a)
        if m:
            p, q = int(m.group(1)), int(m.group(2))
            add(a, f"\\frac{{{p}}}{{{q}}}", EQ, "frac_short")
            add(a, f"\\frac{{{p}{q}}}{{1}}", NE, "frac_short")


def gen_mixed(answers):
    for a in unique(answers):
        m = re.match(r"^(\d+) ?\\frac\{?(\d)\}?\{?(\d+)\}?$", a)
        if not m:
            continue
        k, r, q = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if r >= q:
            continue
        fr = k + Fraction(r, q)
        add(a, frac_tex(fr), EQ, "mixed")
        add(a, f"{k} {r}/{q}", EQ, "mixed")
        d = decimal_string(fr)
        if d:
            add(a, d, EQ, "mixed")
        add(a, f"{k} \\cdot \\frac{{{r}}}{{{q}}}", NE, "mixed")
        add(a, f"\\frac{{{k + r}}}{{{q}}}", NE, "mixed")


def gen_sqrt(answers):
    done = 0
    for a in unique(answers):
        m = re.match(r"^(\d+) ?\\sqrt\{(\d+)\}$", a)
        if not m or done >= 14:
            continue
        k, r = int(m.group(1)), int(m.group(2))
        if k < 2 or r < 2:
            continue
        done += 1
        add(a, f"\\sqrt{{{k * k * r}}}", EQ, "sqrt")
        add(a, f"{k}*sqrt({r})", EQ, "sqrt")
        add(a, f"\\sqrt{{{r}}} \\cdot {k}", EQ, "sqrt")
        if r < 10:
            add(a, f"{k}\\sqrt{r}", EQ, "sqrt")
        add(a, f"\\sqrt{{{k * r}}}", NE, "sqrt")
        add(a, f"{k + 1}\\sqrt{{{r}}}", NE, "sqrt")
        add(a, f"{k * math.sqrt(r):.12g}", EQ, "sqrt")
        add(a, f"{k * math.sqrt(r):.3g}", NE, "sqrt")
    for a in unique(answers):
        m = re.match(r"^\\frac\{\\sqrt\{(\d+)\}\}\{(\d+)\}$", a)
        if not m:
            continue
        r, q = int(m.group(1)), int(m.group(2))
        add(a, f"\\sqrt{{{r}}}/{q}", EQ, "sqrt")
        add(a, f"\\frac{{1}}{{{q}}}\\sqrt{{{r}}}", EQ, "sqrt")
        if r == q:
            add(a, f"\\frac{{1}}{{\\sqrt{{{r}}}}}", EQ, "sqrt")
        add(a, f"\\frac{{\\sqrt{{{r}}}}}{{{q * q}}}", NE, "sqrt")
        add(a, f"\\frac{{{r}}}{{{q}}}", NE, "sqrt")


def gen_pi(answers):
    done = 0
    for a in unique(answers):
        m = re.match(r"^(\d+) ?\\pi$", a)
        if not m or done >= 12:
            continue
        k = int(m.group(1))
        if k < 2:
            continue
        done += 1
        v = k * math.pi
        add(a, f"{k} \\cdot \\pi", EQ, "pi")
        add(a, f"\\pi {k}", EQ, "pi")
        add(a, f"\\frac{{{2 * k}\\pi}}{{2}}", EQ, "pi")
        add(a, f"{v:.12g}", EQ, "pi")
        if abs(float(f"{v:.3g}") - v) / v > 1e-5:
            add(a, f"{v:.3g}", NE, "pi")
        add(a, str(k), NE, "pi")
        add(a, f"{k + 1}\\pi", NE, "pi")
    for a in unique(answers):
        m = re.match(r"^(-?)\\frac\{(\d*) ?\\pi\}\{(\d+)\}$", a)
        if not m:
            continue
        k = int(m.group(2) or "1")
        q = int(m.group(3))
        s = m.group(1)
        add(a, f"{s}\\frac{{{k}}}{{{q}}}\\pi", EQ, "pi")
        add(a, f"{s}{k}\\pi/{q}", EQ, "pi")
        add(a, f"{s}\\frac{{{k}}}{{{q}}}", NE, "pi")
        add(a, f"{'' if s else '-'}\\frac{{{k}\\pi}}{{{q}}}", NE, "pi")


def split_top(s):
    """Splits at top-level commas."""
    parts, depth, cur = [], 0, ""
    i = 0
    while i < len(s):
        c = s[i]
        if s.startswith("\\left", i) or s.startswith("\\right", i):
            pass
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return [p.strip() for p in parts]


def strip_lr(s):
    return re.sub(r"\\(left|right)\s*", "", s).strip()


def bracketed(a):
    """(open, [parts], close) for "(a, b]" style answers, else None."""
    s = strip_lr(a)
    if len(s) < 2 or s[0] not in "([" or s[-1] not in ")]":
        return None
    depth = 0
    for i, c in enumerate(s):
        depth += c in "([{"
        depth -= c in ")]}"
        if depth == 0 and i != len(s) - 1:
            return None
    parts = split_top(s[1:-1])
    if len(parts) < 2 or any(not p for p in parts):
        return None
    return s[0], parts, s[-1]


def flip(c):
    return {"(": "[", "[": "(", ")": "]", "]": ")"}[c]


def neg_tex(p):
    p = p.strip()
    if p.startswith("-"):
        return p[1:].strip()
    if re.match(r"^[\w\\{}]+$", p):
        return "-" + p
    return f"-({p})"


def gen_tuples(answers):
    done = 0
    for a in unique(answers):
        t = bracketed(a)
        if not t or t[0] != "(" or t[2] != ")" or "\\infty" in a:
            continue
        o, parts, c = t
        if done >= 24:
            break
        done += 1
        body = ", ".join(parts)
        add(a, f"\\left( {body} \\right)", EQ, "tuple")
        add(a, "(" + ",\\,".join(parts) + ")", EQ, "spacing")
        if done % 3 == 0:
            add(a, "(" + ",~".join(parts) + ")", EQ, "spacing")
            add(a, "\\left(" + ", \\quad ".join(parts) + "\\right)", EQ,
                "spacing")
        if parts[0] != parts[1]:
            sw = [parts[1], parts[0]] + parts[2:]
            add(a, "(" + ", ".join(sw) + ")", NE, "tuple")
        if parts[0] not in ("0", "-0"):
            ng = [neg_tex(parts[0])] + parts[1:]
            add(a, "(" + ", ".join(ng) + ")", NE, "tuple")
        if len(parts) > 2:
            add(a, "(" + ", ".join(parts[:-1]) + ")", NE, "tuple")


def ineq_from_interval(o, lo, hi, c):
    lo_inf = "infty" in lo
    hi_inf = "infty" in hi
    lower = "<" if o == "(" else "\\le"
    upper = "<" if c == ")" else "\\le"
    if lo_inf and hi_inf:
        return None
    if lo_inf:
        return f"x {upper} {hi}"
    if hi_inf:
        return f"x {'>' if o == '(' else GE} {lo}"
    return f"{lo} {lower} x {upper} {hi}"


def gen_intervals(answers):
    done = 0
    for a in unique(answers):
        t = bracketed(a)
        if not t or len(t[1]) != 2 or "\\cup" in a:
            continue
        o, (lo, hi), c = t
        is_interval = o == "[" or c == "]" or "\\infty" in a
        if not is_interval or done >= 26:
            continue
        done += 1
        form = "infinity" if "\\infty" in a else "interval"
        add(a, f"{o}{lo},{hi}{c}", EQ, form)
        add(a, f"x \\in {o}{lo}, {hi}{c}", EQ, "in")
        ineq = ineq_from_interval(o, lo, hi, c)
        if ineq:
            add(a, ineq, EQ, "inequality")
        if "infty" not in lo:
            add(a, f"{flip(o)}{lo}, {hi}{c}", NE, form)
        if "infty" not in hi:
            add(a, f"{o}{lo}, {hi}{flip(c)}", NE, form)
            add(a, f"x \\in {o}{lo}, {hi}{flip(c)}", NE, "in")
        if "infty" in hi and "infty" not in lo:
            add(a, f"x < {lo}", NE, "inequality")
            add(a, f"{lo} < x", EQ if o == "(" else NE, "inequality")
        if "infty" in lo and "infty" not in hi:
            add(a, f"x > {hi}", NE, "inequality")
            if hi.strip() not in ("0", "-0"):
                add(a, f"(-\\infty, {neg_tex(hi)}{c}", NE, "infinity")


def gen_unions(answers):
    for a in unique(answers):
        if "\\cup" not in a or "\\{" in a:
            continue
        parts = [p.strip() for p in a.split("\\cup")]
        if not all(bracketed(p) for p in parts):
            continue
        add(a, " \\cup ".join(reversed(parts)), EQ, "union")
        first = bracketed(parts[0])
        o, (lo, hi), c = first
        if "infty" not in hi:
            changed = f"{o}{lo}, {hi}{flip(c)}"
            add(a, " \\cup ".join([changed] + parts[1:]), NE, "union")
        add(a, " \\cup ".join(parts[1:]), NE, "union")
        ineqs = []
        for p in parts:
            po, (plo, phi), pc = bracketed(p)
            ineqs.append(ineq_from_interval(po, plo, phi, pc))
        if all(ineqs) and len(parts) == 2:
            add(a, f"{ineqs[0]} \\text{{ or }} {ineqs[1]}", EQ, "union")


def gen_sets_pm(answers):
    for a in unique(answers):
        m = re.match(r"^(.+?) ?\\pm ?(.+)$", a)
        if m and "\\{" not in a and "," not in a:
            x, y = m.group(1).strip(), m.group(2).strip()
            add(a, f"{x} + {y}, {x} - {y}", EQ, "pm")
            add(a, f"{x} - {y}, {x} + {y}", EQ, "pm")
            add(a, f"\\{{{x}+{y}, {x}-{y}\\}}", EQ, "pm")
            add(a, f"{x} + {y}", NE, "pm")
            add(a, f"{x} - {y}", NE, "pm")
            add(a, f"-{x} \\pm {y}", NE, "pm")
            add(a, f"{x} \\pm 2{y}" if not y[0].isdigit() else
                f"{x} \\pm {y}^2", NE, "pm")
    add("\\{1\\pm\\sqrt{5},-2\\}", "\\{-2, 1+\\sqrt{5}, 1-\\sqrt{5}\\}", EQ,
        "set")
    add("\\{1\\pm\\sqrt{5},-2\\}", "1-\\sqrt5, -2, 1+\\sqrt5", EQ, "set")
    add("\\{1\\pm\\sqrt{5},-2\\}", "\\{-2, 1+\\sqrt{5}\\}", NE, "set")
    add("\\{1\\pm\\sqrt{5},-2\\}", "\\{2, 1\\pm\\sqrt{5}\\}", NE, "set")
    add("\\{-1\\} \\cup [0,7)", "[0,7) \\cup \\{-1\\}", EQ, "union")
    add("\\{-1\\} \\cup [0,7)", "[-1,7)", NE, "union")


def gen_lists(answers):
    done = 0
    for a in unique(answers):
        if re.search(r"[\(\[\{]|\\text|\\!|\\circ|i\b", a) or ", " not in a:
            continue
        parts = split_top(a)
        if len(parts) < 2 or len(set(parts)) != len(parts) or done >= 16:
            continue
        done += 1
        add(a, ", ".join(reversed(parts)), EQ, "multiple")
        add(a, ",".join(parts), EQ, "multiple")
        add(a, ", ".join(parts[:-1]) + " \\text{ and } " + parts[-1], EQ,
            "multiple")
        add(a, "\\{" + ", ".join(parts) + "\\}", EQ, "set")
        add(a, ", ".join(parts[:-1]), NE, "multiple")
        add(a, ", ".join(parts + ["0" if "0" not in parts else "1000"]), NE,
            "multiple")


def gen_matrices(answers):
    done = 0
    for a in unique(answers):
        m = re.match(r"^\\begin\{pmatrix\}(.*)\\end\{pmatrix\}$", a.strip(),
                     re.S)
        if not m or done >= 16:
            continue
        rows_ = [r.strip() for r in m.group(1).split("\\\\") if r.strip()]
        cells = [[c.strip() for c in r.split("&")] for r in rows_]
        if any(not c for r in cells for c in r):
            continue
        done += 1
        inner = m.group(1)
        add(a, f"\\begin{{bmatrix}}{inner}\\end{{bmatrix}}", EQ, "matrix")
        frac = re.sub(r"\\frac\{(\d+)\}\{(\d+)\}", r"\1/\2", inner)
        slash = re.sub(r"(\d+)/(\d+)", r"\\frac{\1}{\2}", inner)
        if frac != inner:
            add(a, f"\\begin{{pmatrix}}{frac}\\end{{pmatrix}}", EQ, "matrix")
        if slash != inner:
            add(a, f"\\begin{{pmatrix}}{slash}\\end{{pmatrix}}", EQ, "matrix")
        first = cells[0][0]
        if first not in ("0", "-0"):
            cells2 = [r[:] for r in cells]
            cells2[0][0] = neg_tex(first)
            body = " \\\\ ".join(" & ".join(r) for r in cells2)
            add(a, f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}", NE,
                "matrix")
        if len(cells) > 1 and cells[0] != cells[1]:
            cells3 = [cells[1], cells[0]] + cells[2:]
            body = " \\\\ ".join(" & ".join(r) for r in cells3)
            add(a, f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}", NE,
                "matrix")
        if all(len(r) == 1 for r in cells):
            add(a, "(" + ", ".join(r[0] for r in cells) + ")", EQ, "matrix")
            if len(cells) > 2:
                add(a, "(" + ", ".join(r[0] for r in cells[:-1]) + ")", NE,
                    "matrix")


def gen_text(answers):
    words = unique([a for a in answers
                    if re.match(r"^\\text\{[A-Za-z]{2,}\}$", a)])
    for i, a in enumerate(words[:14]):
        w = a[6:-1]
        add(a, w, EQ, "text")
        add(a, w.lower(), EQ, "text")
        add(a, f"\\textbf{{{w}}}", EQ, "text_wrapper")
        other = words[(i + 1) % len(words)][6:-1]
        if other.lower() != w.lower():
            add(a, other, NE, "text")
    choices = unique([a for a in answers
                      if re.match(r"^\\text\{\(?[A-E]\)?\}$", a)])
    for a in choices:
        letter = a.strip("\\text{}()")
        add(a, f"({letter})", EQ, "text")
        add(a, letter, EQ, "text")
        add(a, f"\\textbf{{({letter})}}", EQ, "text_wrapper")
        other = "ABCDE"[("ABCDE".index(letter) + 1) % 5]
        add(a, f"({other})", NE, "text")
        add(a, f"\\mathrm{{{other}}}", NE, "text_wrapper")


def parse_complex(a):
    s = a.replace(" ", "").rstrip(".")
    m = re.match(r"^(-?\d+)([+-]\d*)i$", s)
    if m:
        im = m.group(2)
        im = int(im + "1") if im in "+-" else int(im)
        return int(m.group(1)), im
    return None


def gen_complex(answers):
    done = 0
    for a in unique(answers):
        c = parse_complex(a)
        if not c or done >= 14:
            continue
        re_, im = c
        if im == 0 or re_ == 0:
            continue
        done += 1

        def imag(v, lead=False):
            body = "i" if abs(v) == 1 else f"{abs(v)}i"
            if lead:
                return ("-" if v < 0 else "") + body
            return ("- " if v < 0 else "+ ") + body
        add(a, f"{imag(im, True)} {'+' if re_ > 0 else '-'} {abs(re_)}", EQ,
            "complex")
        add(a, f"{re_} {'+' if im > 0 else '-'} {abs(im)} \\cdot i", EQ,
            "complex")
        add(a, f"{re_} {imag(-im)}", NE, "complex")
        if re_ != im:
            add(a, f"{im} {imag(re_)}", NE, "complex")


def gen_base(answers):
    done = 0
    for a in unique(answers):
        m = re.match(r"^(\d+)_\{?(\d+)\}?$", a)
        if not m or done >= 10:
            continue
        done += 1
        n, b = m.group(1), m.group(2)
        add(a, f"{n}_{{{b}}}" if "{" not in a else f"{n}_{b}", EQ, "base")
        add(a, n, NE, "base")
        last = str((int(n[-1]) + 1) % int(b))
        add(a, f"{n[:-1]}{last}_{b}", NE, "base")


def gen_decimals(answers, gsm):
    pool = unique([a for a in answers if re.match(r"^-?\d*\.\d+$", a)])
    pool += unique([g for g in gsm if re.match(r"^\d+\.\d+$", g)])[:6]
    for a in pool[:20]:
        fr = Fraction(Decimal(a))
        lead = a if not a.startswith(".") else "0" + a
        add(a, lead + "0", EQ, "decimal")
        add(a, frac_tex(fr), EQ, "decimal")
        add(a, decimal_string(fr * 10), NE, "decimal")
        add(a, decimal_string(fr + Fraction(1, 10)), NE, "decimal")
        if fr < Fraction(1, 100) and fr > 0:
            add(a, f"{float(fr):.6e}".replace("e-0", "e-"), EQ, "program_output")


def gen_units_degrees(answers):
    degs = unique([a for a in answers
                   if re.match(r"^\d+\^\{?\\circ\}?$", a)])
    for a in degs[:14]:
        n = int(re.match(r"^\d+", a).group(0))
        add(a, str(n), EQ, "degrees")
        add(a, f"{n}^{{\\circ}}", EQ, "degrees")
        add(a, f"{n} \\degree", EQ, "degrees")
        add(a, f"{n} degrees", EQ, "degrees")
        add(a, f"{n + 1}^\\circ", NE, "degrees")
        if 180 - n != n:
            add(a, f"{180 - n}^\\circ", NE, "degrees")
    units = unique([a for a in answers
                    if re.match(r"^\d+ ?\\(text|mbox)\{ ?[a-z ]+\}(\^2)?$", a)])
    for a in units[:16]:
        n = int(re.match(r"^\d+", a).group(0))
        add(a, str(n), EQ, "units")
        add(a, str(n + 1), NE, "units")
    dollars = unique([a for a in answers if re.match(r"^\\\$\d", a)])
    for a in dollars[:10]:
        v = a[2:].replace(",\\!", "").replace(",", "")
        add(a, v, EQ, "units")
        add(a, v + " dollars", EQ, "units")
        fr = Fraction(Decimal(v))
        add(a, decimal_string(fr * 100), NE, "units")
    percents = unique([a for a in answers if re.match(r"^[\d.]+\\%$", a)])
    for a in percents[:8]:
        v = a[:-2]
        fr = Fraction(Decimal(v))
        add(a, v, EQ, "percent")
        add(a, decimal_string(fr / 100), EQ, "percent")
        add(a, f"{v} percent", EQ, "percent")
        add(a, decimal_string(fr / 10), NE, "percent")
        add(a, decimal_string(fr + 1) + "\\%", NE, "percent")


def gen_math_thousands(answers):
    pool = unique([a for a in answers
                   if re.search(r"\d,\s*\\!\s*\d|\d\{,\}\d", a)
                   and not re.search(r"[a-zA-Z]", a.replace("\\!", "")
                                     .replace("\\$", ""))])
    for a in pool[:14]:
        digits = re.sub(r"[^\d.]", "", a)
        add(a, digits, EQ, "thousands")
        add(a, f"{int(float(digits)):,}" if "." not in digits else digits,
            EQ, "thousands")
        add(a, str(int(float(digits)) + 1), NE, "thousands")


def signed_terms(expr):
    """Splits "6r^2-4r-24" into ["+6r^2", "-4r", "-24"] at top level."""
    terms, depth, cur = [], 0, ""
    for i, c in enumerate(expr.replace(" ", "")):
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if c in "+-" and depth == 0 and cur and cur[-1] not in "^{(":
            terms.append(cur)
            cur = c
        else:
            cur += c
    terms.append(cur)
    return [t if t[0] in "+-" else "+" + t for t in terms]


def join_terms(terms):
    s = " ".join(t[0] + " " + t[1:] for t in terms)
    return s[2:] if s.startswith("+ ") else "-" + s[2:]


def negate_term(t):
    return ("-" if t[0] == "+" else "+") + t[1:]


def explicit_products(expr, op):
    return re.sub(r"(\d)\s*([a-z(])",
                  lambda m: m.group(1) + op + m.group(2), expr)


def gen_polynomials(answers):
    done = 0
    for a in unique(answers):
        if not re.match(r"^[-\d a-z+^{}]+$", a) or not re.search(r"[a-z]", a):
            continue
        if "i" in re.findall(r"[a-z]", a) or "e" in re.findall(r"[a-z]", a):
            continue
        terms = signed_terms(a)
        if len(terms) < 2 or done >= 16:
            continue
        done += 1
        add(a, join_terms(list(reversed(terms))), EQ, "polynomial")
        star = explicit_products(a, "*").replace("^", "**")
        if star != a:
            add(a, star, EQ, "power")
        cdot = explicit_products(a, " \\cdot ")
        if cdot != a:
            add(a, cdot, EQ, "cdot_times")
        add(a, join_terms(terms[:-1] + [negate_term(terms[-1])]), NE,
            "polynomial")
        add(a, f"2({a})", NE, "polynomial")
    fixed = [
        ("(a+5)(b+2)", "ab+2a+5b+10", EQ, "implicit_mult"),
        ("(a+5)(b+2)", "(b+2)(a+5)", EQ, "implicit_mult"),
        ("(a+5)(b+2)", "a b + 2 a + 5 b + 10", EQ, "implicit_mult"),
        ("(a+5)(b+2)", "(a+2)(b+5)", NE, "implicit_mult"),
        ("(a+5)(b+2)", "ab+2a+5b+7", NE, "implicit_mult"),
        ("x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1",
         "\\frac{x^9-1}{x-1}", EQ, "polynomial"),
        ("x^8 + x^7 + x^6 + x^5 + x^4 + x^3 + x^2 + x + 1",
         "\\frac{x^9+1}{x+1}", NE, "polynomial"),
        ("x^5 - x^4 + x^3 - x^2 + x - 1", "(x-1)(x^4+x^2+1)", EQ,
         "polynomial"),
        ("x^5 - x^4 + x^3 - x^2 + x - 1", "(x+1)(x^4+x^2+1)", NE,
         "polynomial"),
        ("\\frac{11+9a}{20}", "\\frac{11}{20}+\\frac{9a}{20}", EQ,
         "polynomial"),
        ("\\frac{11+9a}{20}", "0.55 + 0.45a", EQ, "polynomial"),
        ("\\frac{11+9a}{20}", "\\frac{11+9a}{2}", NE, "polynomial"),
        ("p - q", "-(q-p)", EQ, "polynomial"),
        ("p - q", "q - p", NE, "polynomial"),
        ("6r^2-4r-24", "2(3r^2-2r-12)", EQ, "implicit_mult"),
        ("6r^2-4r-24", "2(r+2)(3r-6)", NE, "implicit_mult"),
        ("6r^2-4r-24", "6 r r - 4 r - 24", EQ, "implicit_mult"),
    ]
    for a, b, label, form in fixed:
        add(a, b, label, form)


def gen_equations(answers):
    eqs = unique([a for a in answers if a.count("=") == 1
                  and not re.search(r"\\text|,", a)])
    for a in eqs[:28]:
        lhs, rhs = [s.strip() for s in a.split("=")]
        add(a, f"{rhs} = {lhs}", EQ, "equation")
        add(a, f"2({lhs}) = 2({rhs})" if rhs != "0" else f"2({lhs}) = 0",
            EQ, "equation")
        add(a, f"{lhs} = {rhs} + 1", NE, "equation")
        if re.match(r"^[a-z]$", lhs):
            add(a, rhs, EQ, "equation")
            add(a, f"{lhs} = -({rhs})" if rhs != "0" else f"{lhs} = 1", NE,
                "equation")
    add("y = 2x + 3", "y - 2x = 3", EQ, "equation")
    add("y = 2x + 3", "2x - y + 3 = 0", EQ, "equation")
    add("y = 2x + 3", "y = 3x + 2", NE, "equation")
    add("5x - 7y + 11z + 4 = 0", "-5x + 7y - 11z - 4 = 0", EQ, "equation")
    add("5x - 7y + 11z + 4 = 0", "5x - 7y + 11z - 4 = 0", NE, "equation")


def gen_functions():
    # Real MATH answers with functions (\\cot x, \\sin 3x, 2 \\tan x,
    # \\cos 13^\\circ, 2\\cos 15^{\\circ}) against identities and near misses.
    pairs = [
        ("\\cot x", "\\frac{\\cos x}{\\sin x}", EQ),
        ("\\cot x", "\\frac{1}{\\tan x}", EQ),
        ("\\cot x", "\\tan x", NE),
        ("\\sin 3x", "3\\sin x - 4\\sin^3 x", EQ),
        ("\\sin 3x", "3 \\sin x", NE),
        ("2 \\tan x", "\\frac{2\\sin x}{\\cos x}", EQ),
        ("2 \\tan x", "\\tan 2x", NE),
        ("\\cos 58^\\circ", "\\sin 32^\\circ", EQ),
        ("\\cos 58^\\circ", "\\cos 58", NE),
        ("2\\cos 15^{\\circ}", "\\frac{\\sqrt{6}+\\sqrt{2}}{2}", EQ),
        ("2\\cos 15^{\\circ}", "\\frac{\\sqrt{6}-\\sqrt{2}}{2}", NE),
        ("\\cos 13^\\circ", "\\sin 77^\\circ", EQ),
        ("\\cos 13^\\circ", "\\sin 13^\\circ", NE),
    ]
    for a, b, label in pairs:
        add(a, b, label, "functions")


def gen_emptyset():
    # MATH has no empty-set answers; these pair the spellings models use.
    pairs = [
        ("\\emptyset", "\\varnothing", EQ),
        ("\\emptyset", "\\{\\}", EQ),
        ("\\varnothing", "\\text{no solution}", EQ),
        ("\\emptyset", "\\{0\\}", NE),
        ("\\varnothing", "0", NE),
        ("\\emptyset", "(-\\infty, \\infty)", NE),
    ]
    for a, b, label in pairs:
        add(a, b, label, "emptyset")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    math_test, math500, gsm = load(root)
    answers = unique(math500 + math_test)
    math_ints = [a for a in math500 if INT.match(a) and len(a) < 5]
    gen_integers(gsm, math_ints)
    gen_fractions(answers)
    gen_frac_short(answers)
    gen_mixed(answers)
    gen_sqrt(answers)
    gen_pi(answers)
    gen_tuples(answers)
    gen_intervals(answers)
    gen_unions(answers)
    gen_sets_pm(answers)
    gen_lists(answers)
    gen_matrices(answers)
    gen_text(answers)
    gen_complex(answers)
    gen_base(answers)
    gen_decimals(answers, gsm)
    gen_units_degrees(answers)
    gen_math_thousands(answers)
    gen_polynomials(answers)
    gen_equations(answers)
    gen_functions()
    gen_emptyset()
    print("# Labelled answer pairs for kpsynth::text::equivalent().")
    print("# Built by make_pairs.py from real final answers of MATH test "
          "(MIT, Hendrycks et al. 2021),")
    print("# MATH500 (PRM800K split, MIT) and GSM8K test (MIT, Cobbe et al. "
          "2021); see README.md.")
    print("# Columns: a, b, expected (equal|not_equal), form.")
    for a, b, label, form in rows:
        print(f"{a}\t{b}\t{label}\t{form}")


if __name__ == "__main__":
    main()
