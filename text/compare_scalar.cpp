#include "text/compare.hpp"
#include "text/numeric.hpp"

#include <cmath>
#include <sstream>

namespace kpsynth::text {

namespace {

/// +1 for infinity, -1 for minus infinity, 0 otherwise.
int infinity_sign(const node& n) {
  if (n.kind == node_kind::infinity)
    return 1;
  if (n.kind == node_kind::neg && n.kids.size() == 1)
    return -infinity_sign(n.kids[0]);
  if (n.kind == node_kind::add && n.kids.size() == 1)
    return infinity_sign(n.kids[0]);
  return 0;
}

std::string show(cvalue v) {
  std::ostringstream out;
  out.precision(10);
  out << v.real();
  if (v.imag() != 0)
    out << (v.imag() < 0 ? "-" : "+") << std::fabs(v.imag()) << "i";
  return out.str();
}

/// The symbols of both trees, each with a fresh random value.
std::vector<binding> random_bindings(const std::vector<std::string>& names,
                                     point_generator& gen) {
  std::vector<binding> env;
  env.reserve(names.size());
  for (const auto& name : names)
    env.push_back(binding{name, cvalue{gen.next()}});
  return env;
}

std::vector<std::string> symbols_of(const node& a, const node& b) {
  std::vector<std::string> names;
  collect_symbols(a, names);
  collect_symbols(b, names);
  return names;
}

/// Numeric comparison: values for constants, random points otherwise.
verdict_kind compare_numeric(const node& a, const node& b, bool exact,
                             compare_context& ctx) {
  long double rel = exact ? ctx.options.exact_tolerance : ctx.options.tolerance;
  long double abs = ctx.options.abs_tolerance;
  auto names = symbols_of(a, b);
  if (names.empty()) {
    auto va = evaluate(a, {}, ctx.work);
    auto vb = evaluate(b, {}, ctx.work);
    if (!va || !vb) {
      ctx.reason = "cannot evaluate numerically";
      return verdict_kind::unknown;
    }
    if (close_enough(*va, *vb, rel, abs)) {
      ctx.reason = "numerically equal (" + show(*va) + ")";
      return verdict_kind::equal;
    }
    ctx.reason = "values differ: " + show(*va) + " vs " + show(*vb);
    return verdict_kind::not_equal;
  }
  point_generator gen{ctx.options.seed};
  int agree = 0;
  for (int i = 0; i < ctx.options.random_points; ++i) {
    auto env = random_bindings(names, gen);
    auto va = evaluate(a, env, ctx.work);
    auto vb = evaluate(b, env, ctx.work);
    if (ctx.work.exhausted())
      break;
    if (!va || !vb)
      continue;
    if (!close_enough(*va, *vb, rel, abs)) {
      ctx.reason =
        "differ at a random point: " + show(*va) + " vs " + show(*vb);
      return verdict_kind::not_equal;
    }
    ++agree;
  }
  if (agree >= std::min(2, ctx.options.random_points)) {
    ctx.reason = "agree at " + std::to_string(agree) + " random points";
    return verdict_kind::equal;
  }
  ctx.reason = "no usable random point";
  return verdict_kind::unknown;
}

verdict_kind compare_plain(const node& a, const node& b, compare_context& ctx) {
  bool exact = !has_approximate(a) && !has_approximate(b);
  auto status = symbolic_zero_test(difference(a, b), ctx.work, ctx.limits);
  if (status == zero_status::zero) {
    ctx.reason = "symbolically equal";
    return verdict_kind::equal;
  }
  if (status == zero_status::nonzero && exact) {
    ctx.reason = "differ by a nonzero exact number";
    return verdict_kind::not_equal;
  }
  return compare_numeric(a, b, exact, ctx);
}

/// `50\%` against a plain number: as 0.5, as 50, or either.
verdict_kind compare_percent(const node& pct, const node& other,
                             compare_context& ctx) {
  const node& value = pct.kids.at(0);
  auto mode = ctx.options.percent;
  bool any_unknown = false;
  if (mode != percent_mode::number) {
    auto v = compare_plain(
      make_node(node_kind::div, {value, make_integer(100)}), other, ctx);
    if (v == verdict_kind::equal) {
      ctx.reason += " (percent as a fraction)";
      return v;
    }
    any_unknown = any_unknown || v == verdict_kind::unknown;
  }
  if (mode != percent_mode::fraction) {
    auto v = compare_plain(value, other, ctx);
    if (v == verdict_kind::equal) {
      ctx.reason += " (percent as a number)";
      return v;
    }
    any_unknown = any_unknown || v == verdict_kind::unknown;
  }
  return any_unknown ? verdict_kind::unknown : verdict_kind::not_equal;
}

} // namespace

node difference(const node& a, const node& b) {
  return make_node(node_kind::add, {a, make_node(node_kind::neg, {b})});
}

verdict_kind compare_scalars(const node& a, const node& b,
                             compare_context& ctx) {
  if (!ctx.work.spend())
    return verdict_kind::unknown;
  int ia = infinity_sign(a);
  int ib = infinity_sign(b);
  if (ia != 0 || ib != 0) {
    ctx.reason = ia == ib ? "same infinity" : "infinity vs another value";
    return ia == ib ? verdict_kind::equal : verdict_kind::not_equal;
  }
  if (contains(a, node_kind::infinity) || contains(b, node_kind::infinity)) {
    ctx.reason = "arithmetic with infinity";
    return verdict_kind::unknown;
  }
  bool la = a.kind == node_kind::literal;
  bool lb = b.kind == node_kind::literal;
  if (la || lb) {
    bool same = la && lb && a.text == b.text;
    ctx.reason = same ? "same literal" : "literal differs";
    return same ? verdict_kind::equal : verdict_kind::not_equal;
  }
  if (contains(a, node_kind::literal) || contains(b, node_kind::literal)) {
    ctx.reason = "arithmetic with a number in another base";
    return verdict_kind::unknown;
  }
  bool pa = a.kind == node_kind::percent;
  bool pb = b.kind == node_kind::percent;
  if (pa && pb)
    return compare_plain(a.kids.at(0), b.kids.at(0), ctx);
  if (pa)
    return compare_percent(a, b, ctx);
  if (pb)
    return compare_percent(b, a, ctx);
  return compare_plain(a, b, ctx);
}

verdict_kind compare_proportional(const node& d1, const node& d2,
                                  bool positive_only, compare_context& ctx) {
  auto ratio = make_node(node_kind::div, {d1, d2});
  int sign = symbolic_constant_sign(ratio, ctx.work, ctx.limits);
  if (sign != 0) {
    bool ok = sign > 0 || !positive_only;
    ctx.reason =
      ok ? "the same relation, rearranged" : "the relation is reversed";
    return ok ? verdict_kind::equal : verdict_kind::not_equal;
  }
  auto names = symbols_of(d1, d2);
  if (names.empty()) {
    ctx.reason = "relation without variables";
    return verdict_kind::unknown;
  }
  long double rel = has_approximate(d1) || has_approximate(d2)
                      ? ctx.options.tolerance
                      : ctx.options.exact_tolerance;
  point_generator gen{ctx.options.seed};
  std::optional<cvalue> first;
  int agree = 0;
  for (int i = 0; i < ctx.options.random_points; ++i) {
    auto env = random_bindings(names, gen);
    auto v1 = evaluate(d1, env, ctx.work);
    auto v2 = evaluate(d2, env, ctx.work);
    if (ctx.work.exhausted())
      break;
    if (!v1 || !v2 || std::abs(*v2) < 1e-300L)
      continue;
    cvalue r = *v1 / *v2;
    if (!first) {
      first = r;
      bool usable = std::abs(r) > 1e-12L
                    && std::fabs(r.imag()) <= 1e-9L * std::abs(r)
                    && (!positive_only || r.real() > 0);
      if (!usable) {
        ctx.reason = "relations are not multiples of each other";
        return verdict_kind::not_equal;
      }
    } else if (!close_enough(r, *first, rel, ctx.options.abs_tolerance)) {
      ctx.reason = "relations are not multiples of each other";
      return verdict_kind::not_equal;
    }
    ++agree;
  }
  if (agree >= 2) {
    ctx.reason = "the same relation, rearranged (numerically)";
    return verdict_kind::equal;
  }
  ctx.reason = "cannot compare the relations";
  return verdict_kind::unknown;
}

} // namespace kpsynth::text
