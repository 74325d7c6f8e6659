#include "text/compare.hpp"

#include <algorithm>

namespace kpsynth::text {

namespace {

/// Replaces every `\pm` by `+` (or `-`) and every `\mp` by the opposite.
/// One shared choice per answer, the usual reading of `a \pm b, c \mp d`.
node choose_sign(const node& n, bool plus) {
  if (n.kind == node_kind::plus_minus || n.kind == node_kind::minus_plus) {
    bool positive = (n.kind == node_kind::plus_minus) == plus;
    auto inner = choose_sign(n.kids.at(0), plus);
    return positive ? inner : make_node(node_kind::neg, {std::move(inner)});
  }
  node out = n;
  for (auto& k : out.kids)
    k = choose_sign(k, plus);
  return out;
}

/// The answers a node stands for: the items of a list or set, each with
/// its `\pm` branches spelled out.
std::vector<node> elements(const node& n) {
  std::vector<node> out;
  auto add = [&](const node& item) {
    if (has_plus_minus(item)) {
      out.push_back(choose_sign(item, true));
      out.push_back(choose_sign(item, false));
    } else {
      out.push_back(item);
    }
  };
  if (n.kind == node_kind::list || n.kind == node_kind::set) {
    for (const auto& k : n.kids)
      add(k);
  } else {
    add(n);
  }
  return out;
}

bool is_collection(const node& n) {
  return n.kind == node_kind::list || n.kind == node_kind::set
         || has_plus_minus(n);
}

std::string_view shape_name(const node& n) {
  switch (n.kind) {
  case node_kind::relation:
    return n.text == "=" ? "an equation" : "an inequality";
  case node_kind::interval:
    return "an interval";
  case node_kind::tuple:
    return "a tuple";
  case node_kind::set:
    return "a set";
  case node_kind::union_of:
    return "a union";
  case node_kind::list:
    return "several answers";
  case node_kind::matrix:
    return "a matrix";
  case node_kind::empty_set:
    return "the empty set";
  case node_kind::text:
    return "text";
  default:
    return "a value";
  }
}

verdict_kind mismatch(const node& a, const node& b, compare_context& ctx) {
  ctx.reason = std::string{shape_name(a)} + " vs " + std::string{shape_name(b)};
  return verdict_kind::not_equal;
}

/// Pairwise, in order.
verdict_kind compare_sequences(const std::vector<node>& a,
                               const std::vector<node>& b,
                               compare_context& ctx) {
  if (a.size() != b.size()) {
    ctx.reason =
      std::to_string(a.size()) + " components vs " + std::to_string(b.size());
    return verdict_kind::not_equal;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto v = compare_trees(a[i], b[i], ctx);
    if (v != verdict_kind::equal) {
      ctx.reason = "component " + std::to_string(i + 1) + ": " + ctx.reason;
      return v;
    }
  }
  ctx.reason = "same components in the same order";
  return verdict_kind::equal;
}

/// True when every element of `a` equals some element of `b`; `used`
/// enforces a one-to-one matching (multisets), otherwise repeats may match
/// the same element (sets).
verdict_kind cover(const std::vector<node>& a, const std::vector<node>& b,
                   bool one_to_one, compare_context& ctx) {
  std::vector<bool> used(b.size(), false);
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool found = false;
    bool any_unknown = false;
    // Try the same position first: answers usually come in the same order.
    for (std::size_t step = 0; step < b.size() && !found; ++step) {
      std::size_t j = (i + step) % b.size();
      if (one_to_one && used[j])
        continue;
      auto v = compare_trees(a[i], b[j], ctx);
      if (v == verdict_kind::equal) {
        used[j] = true;
        found = true;
      } else if (v == verdict_kind::unknown) {
        any_unknown = true;
      }
      if (ctx.work.exhausted())
        return verdict_kind::unknown;
    }
    if (!found) {
      ctx.reason = "answer " + std::to_string(i + 1) + " has no match";
      return any_unknown ? verdict_kind::unknown : verdict_kind::not_equal;
    }
  }
  return verdict_kind::equal;
}

verdict_kind compare_collections(const node& a, const node& b,
                                 compare_context& ctx) {
  // A tuple against bare answers "1, 2": the same ordered components.
  if (a.kind == node_kind::tuple && b.kind == node_kind::list)
    return compare_sequences(a.kids, b.kids, ctx);
  if (b.kind == node_kind::tuple && a.kind == node_kind::list)
    return compare_sequences(a.kids, b.kids, ctx);
  if ((a.kind == node_kind::set && b.kind == node_kind::tuple)
      || (b.kind == node_kind::set && a.kind == node_kind::tuple))
    return mismatch(a, b, ctx);
  // "x < 1 or x > 2" against a union.
  if (a.kind == node_kind::union_of || b.kind == node_kind::union_of
      || a.kind == node_kind::interval || b.kind == node_kind::interval) {
    auto sa = as_interval_set(a);
    auto sb = as_interval_set(b);
    if (sa && sb)
      return compare_interval_sets(*sa, *sb, ctx);
  }
  auto ea = elements(a);
  auto eb = elements(b);
  if (ctx.options.ordered && a.kind == node_kind::list
      && b.kind == node_kind::list)
    return compare_sequences(ea, eb, ctx);
  bool sets = a.kind == node_kind::set || b.kind == node_kind::set;
  if (!sets && ea.size() != eb.size()) {
    ctx.reason =
      std::to_string(ea.size()) + " answers vs " + std::to_string(eb.size());
    return verdict_kind::not_equal;
  }
  auto forward = cover(ea, eb, !sets, ctx);
  if (forward != verdict_kind::equal || !sets) {
    if (forward == verdict_kind::equal)
      ctx.reason = "same answers";
    return forward;
  }
  auto backward = cover(eb, ea, false, ctx);
  if (backward == verdict_kind::equal)
    ctx.reason = "same set";
  return backward;
}

/// A column or row matrix as the list of its entries.
std::optional<std::vector<node>> matrix_vector(const node& m) {
  if (m.kids.empty())
    return std::nullopt;
  if (m.kids.size() == 1)
    return m.kids[0].kids;
  std::vector<node> out;
  for (const auto& row : m.kids) {
    if (row.kids.size() != 1)
      return std::nullopt;
    out.push_back(row.kids[0]);
  }
  return out;
}

verdict_kind compare_matrices(const node& a, const node& b,
                              compare_context& ctx) {
  if (a.kind == node_kind::matrix && b.kind == node_kind::matrix) {
    if (a.kids.size() != b.kids.size()
        || a.kids.front().kids.size() != b.kids.front().kids.size()) {
      ctx.reason = "matrix shapes differ";
      return verdict_kind::not_equal;
    }
    for (std::size_t r = 0; r < a.kids.size(); ++r) {
      auto v = compare_sequences(a.kids[r].kids, b.kids[r].kids, ctx);
      if (v != verdict_kind::equal) {
        ctx.reason = "row " + std::to_string(r + 1) + ", " + ctx.reason;
        return v;
      }
    }
    ctx.reason = "same matrix";
    return verdict_kind::equal;
  }
  const node& m = a.kind == node_kind::matrix ? a : b;
  const node& t = a.kind == node_kind::matrix ? b : a;
  auto entries = matrix_vector(m);
  if (t.kind != node_kind::tuple || !entries)
    return mismatch(a, b, ctx);
  return compare_sequences(*entries, t.kids, ctx);
}

/// "3 + 4 = 7" and "0.56 = 56\\%" state one value: an equation without
/// variables whose sides are all equal stands for its last side. Nothing
/// for anything else.
const node* stated_value(const node& n, compare_context& ctx) {
  if (n.kind != node_kind::relation
      || n.text.find_first_not_of('=') != std::string::npos
      || contains(n, node_kind::symbol))
    return nullptr;
  for (const auto& k : n.kids)
    if (!is_scalar(k))
      return nullptr;
  for (std::size_t i = 0; i + 1 < n.kids.size(); ++i)
    if (compare_scalars(n.kids[i], n.kids.back(), ctx) != verdict_kind::equal)
      return nullptr;
  return &n.kids.back();
}

} // namespace

verdict_kind compare_trees(const node& a, const node& b, compare_context& ctx) {
  if (!ctx.work.spend()) {
    ctx.reason = "time budget exhausted";
    return verdict_kind::unknown;
  }
  bool ta = a.kind == node_kind::text;
  bool tb = b.kind == node_kind::text;
  if (ta || tb) {
    bool same = ta && tb && a.text == b.text;
    ctx.reason = same ? "same text" : "different text";
    return same ? verdict_kind::equal : verdict_kind::not_equal;
  }
  auto empty = [](const node& n) {
    return n.kind == node_kind::empty_set
           || (n.kind == node_kind::set && n.kids.empty());
  };
  if (empty(a) || empty(b)) {
    if (empty(a) && empty(b)) {
      ctx.reason = "both empty";
      return verdict_kind::equal;
    }
    return mismatch(a, b, ctx);
  }
  // Against another relation, an equation stays an equation (it may be
  // the same one, scaled).
  bool ra = a.kind == node_kind::relation;
  bool rb = b.kind == node_kind::relation;
  if (!rb)
    if (const auto* value = stated_value(a, ctx))
      return compare_trees(*value, b, ctx);
  if (!ra)
    if (const auto* value = stated_value(b, ctx))
      return compare_trees(a, *value, ctx);
  if (is_collection(a) || is_collection(b))
    return compare_collections(a, b, ctx);
  if (a.kind == node_kind::matrix || b.kind == node_kind::matrix)
    return compare_matrices(a, b, ctx);
  if (ra && rb)
    return compare_relations(a, b, ctx);
  if (ra && a.text == "=")
    return compare_equation_with(a, b, ctx);
  if (rb && b.text == "=")
    return compare_equation_with(b, a, ctx);
  bool ia =
    a.kind == node_kind::interval || a.kind == node_kind::union_of || ra;
  bool ib =
    b.kind == node_kind::interval || b.kind == node_kind::union_of || rb;
  if (ia || ib) {
    auto sa = as_interval_set(a);
    auto sb = as_interval_set(b);
    if (sa && sb)
      return compare_interval_sets(*sa, *sb, ctx);
    return mismatch(a, b, ctx);
  }
  if (a.kind == node_kind::tuple && b.kind == node_kind::tuple) {
    if (a.text != b.text && a.kids.size() == 2) {
      ctx.reason = "brackets differ: " + a.text + " vs " + b.text;
      return verdict_kind::not_equal;
    }
    return compare_sequences(a.kids, b.kids, ctx);
  }
  if (is_scalar(a) && is_scalar(b))
    return compare_scalars(a, b, ctx);
  return mismatch(a, b, ctx);
}

} // namespace kpsynth::text
