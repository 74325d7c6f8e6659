#pragma once

// Internal to sim/responder.cpp: what the fake model "knows" about
// mathematics. A table of concepts, each triggered by words or LaTeX in a
// problem and its solution and written in one of several wordings, so that
// knowledge-point extraction over many seeds yields near-synonyms for the
// clustering stage to merge. Also the word features behind embeddings and
// synonym decisions.

#include "sim/responder_math.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::sim::detail {

/// A mathematical concept with the cues that reveal it and its wordings.
struct concept_rule {
  std::string_view triggers; ///< '|'-separated, matched case-insensitively.
  std::vector<std::string_view> wordings;
};

inline const std::vector<concept_rule>& concept_rules() {
  static const std::vector<concept_rule> rules = {
    // Algebra.
    {"linear equation|solve for|isolate",
     {"Solving linear equations", "Solving linear equations in one variable",
      "Linear equation solving"}},
    {"system of equations|system of linear|elimination|substitut",
     {"Solving systems of linear equations", "Systems of linear equations",
      "Solving systems of equations by substitution"}},
    {"quadratic|x^2",
     {"Solving quadratic equations", "Solving quadratic equations by factoring",
      "Quadratic equation solving"}},
    {"quadratic formula|\\pm",
     {"The quadratic formula", "Using the quadratic formula",
      "Applying the quadratic formula"}},
    {"discriminant|b^2-4ac|b^2 - 4ac",
     {"Discriminant of a quadratic",
      "Using the discriminant to count real roots",
      "The discriminant of a quadratic equation"}},
    {"vieta|sum of the roots|product of the roots",
     {"Vieta's formulas", "Vieta's formulas for sums and products of roots",
      "Relations between roots and coefficients"}},
    {"factoring|factorization|factor the|factors as",
     {"Factoring polynomials", "Polynomial factorization",
      "Factoring algebraic expressions"}},
    {"difference of squares|difference of two squares",
     {"Difference of squares factorization", "Difference of two squares",
      "Factoring a difference of squares"}},
    {"exponent|power of|powers of|^x|^n",
     {"Laws of exponents", "Exponent rules", "Properties of exponents"}},
    {"\\sqrt|square root",
     {"Simplifying square roots", "Simplification of square roots",
      "Simplifying radical expressions"}},
    {"rationaliz",
     {"Rationalizing the denominator", "Rationalizing denominators",
      "Rationalizing denominators with radicals"}},
    {"\\log|logarithm",
     {"Properties of logarithms", "Logarithm rules", "Evaluating logarithms"}},
    {"composition|f(g(|g(f(|f(f(",
     {"Function composition", "Composition of functions",
      "Evaluating composite functions"}},
    {"inverse|f^{-1}",
     {"Inverse functions", "Finding the inverse of a function",
      "Inverse function computation"}},
    {"domain|range of",
     {"Domain and range of functions", "Finding the domain of a function",
      "Domain of a function"}},
    {"absolute value|\\lvert",
     {"Absolute value equations", "Solving absolute value equations",
      "Absolute value equations and inequalities"}},
    {"inequalit|\\le|\\ge",
     {"Solving linear inequalities", "Linear inequalities",
      "Solving inequalities"}},
    {"am-gm|arithmetic mean-geometric",
     {"AM-GM inequality", "The AM-GM inequality",
      "Arithmetic mean-geometric mean inequality"}},
    {"arithmetic sequence|arithmetic progression|common difference",
     {"Arithmetic sequences", "Arithmetic sequence nth term formula",
      "Properties of arithmetic sequences"}},
    {"arithmetic series|sum of the first",
     {"Sum of an arithmetic series", "Arithmetic series summation",
      "Sum of arithmetic series formula"}},
    {"geometric sequence|geometric series|common ratio",
     {"Geometric sequences and series", "Sum of a geometric series",
      "Geometric series sum formula"}},
    {"infinite geometric|\\infty",
     {"Infinite geometric series", "Sum of an infinite geometric series",
      "Convergent infinite series"}},
    {"telescop",
     {"Telescoping sums", "Telescoping series", "Evaluating telescoping sums"}},
    {"remainder theorem|divided by x",
     {"Remainder theorem", "Polynomial remainder theorem",
      "The remainder theorem for polynomials"}},
    {"polynomial division|long division|synthetic division",
     {"Polynomial long division", "Dividing polynomials",
      "Polynomial division"}},
    {"complex number|imaginary",
     {"Arithmetic of complex numbers", "Complex number arithmetic",
      "Operations with complex numbers"}},
    {"slope",
     {"Slope of a line", "Slope of a line through two points",
      "Computing the slope of a line"}},
    {"y-intercept|slope-intercept|equation of the line",
     {"Equation of a line in slope-intercept form",
      "Slope-intercept form of a line", "Writing the equation of a line"}},
    {"distance between|distance formula",
     {"Distance formula", "Distance between two points",
      "The distance formula in the plane"}},
    {"midpoint",
     {"Midpoint formula", "Midpoint of a line segment",
      "The midpoint formula"}},
    {"vertex|parabola",
     {"Vertex of a parabola", "Finding the vertex of a parabola",
      "Vertex form of a quadratic"}},
    {"completing the square|complete the square",
     {"Completing the square", "Completing the square for quadratics",
      "Rewriting quadratics by completing the square"}},
    {"ratio|proportion",
     {"Ratios and proportions", "Solving proportions",
      "Proportional reasoning"}},
    {"percent|\\%",
     {"Percent calculations", "Percentages", "Percent increase and decrease"}},
    {"rate|speed|miles per hour|mph",
     {"Rate, time and distance problems", "Distance equals rate times time",
      "Rate problems"}},
    {"\\frac|fraction",
     {"Arithmetic with fractions", "Operations with fractions",
      "Fraction arithmetic"}},
    {"average|arithmetic mean",
     {"Arithmetic mean", "Computing the average of a data set",
      "Mean of a set of numbers"}},
    {"median|mode of",
     {"Median and mode of a data set", "Finding the median of a data set",
      "Median of a list of numbers"}},
    {"decimal",
     {"Converting fractions to decimals", "Decimal representation of numbers",
      "Decimal and fraction conversion"}},
    {"repeating decimal|\\overline",
     {"Converting repeating decimals to fractions",
      "Repeating decimals as fractions", "Fractions from repeating decimals"}},
    {"inches|feet|convert",
     {"Unit conversion", "Converting units of measurement",
      "Unit conversions"}},
    // Number theory.
    {"gcd|greatest common divisor|greatest common factor|euclidean algorithm",
     {"Greatest common divisor", "Finding the greatest common divisor",
      "Computing the GCD with the Euclidean algorithm"}},
    {"lcm|least common multiple",
     {"Least common multiple", "Finding the least common multiple",
      "Computing the least common multiple"}},
    {"prime factorization|prime factor",
     {"Prime factorization", "Prime factorization of integers",
      "Factoring integers into primes"}},
    {"prime",
     {"Prime numbers", "Properties of prime numbers",
      "Identifying prime numbers"}},
    {"divisible|divisibility",
     {"Divisibility rules", "Divisibility of integers",
      "Tests for divisibility"}},
    {"modulo|\\pmod|remainder|\\equiv",
     {"Modular arithmetic", "Modular arithmetic with remainders",
      "Computing remainders in modular arithmetic"}},
    {"number of divisors|positive divisors|how many divisors",
     {"Counting divisors of an integer", "Number of divisors formula",
      "Counting the divisors of a number"}},
    {"sum of the divisors|sum of all positive divisors",
     {"Sum of divisors of an integer", "Sum of divisors function",
      "Computing the sum of divisors"}},
    {"in base|base-|_{10}",
     {"Number base conversion", "Converting between number bases",
      "Base conversion of integers"}},
    {"units digit|last digit|ones digit",
     {"Units digit of powers", "Finding the units digit",
      "Units digits of large powers"}},
    {"factorial|!",
     {"Factorials", "Properties of factorials", "Computing factorials"}},
    {"sum of the digits|digit sum",
     {"Sum of digits", "Digit sums of integers",
      "Sum of the digits of a number"}},
    {"even|odd",
     {"Parity of integers", "Even and odd integers", "Parity arguments"}},
    {"\\lfloor|floor|greatest integer",
     {"Floor function", "Greatest integer function",
      "Properties of the floor function"}},
    {"chinese remainder",
     {"Chinese remainder theorem", "Solving simultaneous congruences",
      "The Chinese remainder theorem"}},
    {"integer solutions|diophantine",
     {"Linear Diophantine equations", "Integer solutions of equations",
      "Solving Diophantine equations"}},
    // Counting and probability.
    {"probability",
     {"Basic probability", "Probability of an event",
      "Computing probabilities of events"}},
    {"independent|coin|dice|die ",
     {"Probability of independent events", "Independent events",
      "Multiplying probabilities of independent events"}},
    {"\\binom|choose|committee|combination",
     {"Combinations", "Counting combinations", "Binomial coefficients"}},
    {"permutation|arrange|arrangement",
     {"Permutations", "Counting arrangements",
      "Permutations of distinct objects"}},
    {"at least one|complement",
     {"Complementary counting", "Counting by complements",
      "Complementary probability"}},
    {"expected value|expected",
     {"Expected value", "Computing expected value",
      "Expected value of a random variable"}},
    {"binomial|expansion|coefficient of",
     {"Binomial theorem", "Binomial expansion coefficients",
      "The binomial theorem"}},
    {"pascal",
     {"Pascal's triangle", "Properties of Pascal's triangle",
      "Pascal's triangle and binomial coefficients"}},
    {"inclusion-exclusion|venn diagram|neither",
     {"Inclusion-exclusion principle", "The principle of inclusion-exclusion",
      "Counting with inclusion-exclusion"}},
    {"how many|ways",
     {"Fundamental counting principle", "Multiplication principle of counting",
      "The counting principle"}},
    {"randomly|uniformly|at random",
     {"Geometric probability", "Uniform random selection",
      "Probability with uniform distributions"}},
    // Geometry.
    {"right triangle|pythag|hypotenuse",
     {"Pythagorean theorem", "Applying the Pythagorean theorem",
      "The Pythagorean theorem in right triangles"}},
    {"triangle",
     {"Area of a triangle", "Triangle area formula",
      "Computing the area of a triangle"}},
    {"circle|radius|circumference|\\pi",
     {"Area and circumference of a circle", "Circle area formula",
      "Circumference and area of circles"}},
    {"similar",
     {"Similar triangles", "Properties of similar triangles",
      "Similarity of triangles"}},
    {"angle|^\\circ",
     {"Angle relationships", "Angle chasing",
      "Angle relationships in geometric figures"}},
    {"interior angle|angles of a triangle",
     {"Triangle angle sum theorem", "Sum of interior angles",
      "Interior angle sums of polygons"}},
    {"polygon|hexagon|pentagon|octagon",
     {"Properties of regular polygons", "Regular polygons",
      "Properties of polygons"}},
    {"volume|cube|cylinder|sphere|cone",
     {"Volume of solids", "Volume of three-dimensional figures",
      "Computing volumes of solids"}},
    {"surface area",
     {"Surface area of solids", "Surface area of three-dimensional figures",
      "Computing surface area"}},
    {"rectangle|perimeter|square units",
     {"Perimeter and area of rectangles", "Area of rectangles",
      "Rectangle perimeter and area"}},
    {"coordinate|the plane|xy-plane",
     {"Coordinate geometry", "Analytic geometry in the plane",
      "Coordinate geometry methods"}},
    {"inscribed|circumscribed|tangent",
     {"Inscribed and circumscribed circles", "Circles inscribed in polygons",
      "Tangent lines to circles"}},
    // Precalculus.
    {"\\cos|\\sin|\\tan",
     {"Trigonometric ratios", "Evaluating trigonometric functions",
      "Trigonometric function values"}},
    {"identity|\\sin^2|\\cos^2",
     {"Trigonometric identities", "Using trigonometric identities",
      "Pythagorean trigonometric identity"}},
    {"vector|\\begin{pmatrix}",
     {"Vector operations", "Dot product of vectors", "Operations on vectors"}},
    {"matrix|determinant|\\det",
     {"Matrix determinant", "Determinants of matrices",
      "Computing matrix determinants"}},
    {"polar|rectangular coordinates",
     {"Converting between polar and rectangular coordinates",
      "Polar coordinates", "Polar to rectangular coordinate conversion"}},
    {"roots of unity|e^{i",
     {"Roots of unity", "Complex roots of unity",
      "Properties of roots of unity"}},
    {"unit circle|radian",
     {"Unit circle values of trigonometric functions", "Radian measure",
      "The unit circle"}},
  };
  return rules;
}

/// Concepts for problems that trigger almost nothing.
inline const std::vector<std::string_view>& fallback_concepts() {
  static const std::vector<std::string_view> xs = {
    "Arithmetic operations with integers",
    "Translating word problems into equations",
    "Algebraic manipulation of expressions"};
  return xs;
}

/// Counts the occurrences of a trigger in lowercase `text`. Word triggers
/// must start at a word boundary; LaTeX triggers must not run on into a
/// longer command (\le does not match \left).
inline size_t count_trigger(std::string_view text, std::string_view trigger) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z'); };
  size_t n = 0;
  for (auto at = text.find(trigger); at != std::string_view::npos;
       at = text.find(trigger, at + 1)) {
    auto end = at + trigger.size();
    if (trigger.front() == '\\') {
      if (alpha(trigger.back()) && end < text.size() && alpha(text[end]))
        continue;
    } else if (alpha(trigger.front()) && at > 0 && alpha(text[at - 1])) {
      continue;
    }
    ++n;
  }
  return n;
}

/// Knowledge points for a problem and its solution: matched concepts,
/// strongest cue first, each in a wording chosen by the problem's hash,
/// padded to at least two and cut to `max_points`.
inline std::vector<std::string> extract_concepts(std::string_view problem,
                                                 std::string_view solution,
                                                 size_t max_points,
                                                 uint64_t seed) {
  std::string text{problem};
  text += '\n';
  text += solution;
  for (auto& c : text)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  auto& rules = concept_rules();
  std::vector<std::pair<size_t, size_t>> hits; // (count, rule index)
  for (size_t i = 0; i < rules.size(); ++i) {
    size_t n = 0;
    std::string_view ts = rules[i].triggers;
    while (!ts.empty()) {
      auto bar = ts.find('|');
      n += count_trigger(text, ts.substr(0, bar));
      ts = bar == std::string_view::npos ? "" : ts.substr(bar + 1);
    }
    if (n > 0)
      hits.emplace_back(n, i);
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](auto& a, auto& b) { return a.first > b.first; });
  auto problem_hash = hash_text(problem, seed);
  std::vector<std::string> result;
  for (auto& [n, i] : hits) {
    if (result.size() == max_points)
      break;
    auto& w = rules[i].wordings;
    auto pick = hasher{problem_hash}.add(i).value() % w.size();
    result.emplace_back(w[pick]);
  }
  for (auto fb : fallback_concepts())
    if (result.size() < std::min<size_t>(2, max_points))
      result.emplace_back(fb);
  return result;
}

/// The rule a wording belongs to, or -1: lets the simulated model recognise
/// its own synonyms the way a real model knows that two phrasings mean the
/// same thing.
inline int concept_of(std::string_view wording) {
  auto& rules = concept_rules();
  for (size_t i = 0; i < rules.size(); ++i)
    for (auto w : rules[i].wordings)
      if (w.size() == wording.size()
          && std::equal(
            w.begin(), w.end(), wording.begin(), [](char a, char b) {
              auto lo = [](char c) {
                return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a')
                                            : c;
              };
              return lo(a) == lo(b);
            }))
        return static_cast<int>(i);
  return -1;
}

// -- word features
// --------------------------------------------------------------

/// Words that carry no concept.
inline bool is_stopword(std::string_view w) {
  static const std::string_view words[] = {
    "a",   "an",    "the",  "of",  "and",  "or",   "to",   "in",
    "on",  "for",   "with", "by",  "at",   "from", "as",   "is",
    "are", "be",    "its",  "it",  "that", "this", "into", "using",
    "use", "their", "two",  "one", "how",  "what", "which"};
  return std::find(std::begin(words), std::end(words), w) != std::end(words);
}

/// Crude stemming so that "simplifying", "simplification" and "simplify"
/// share a feature, as do "roots" and "root". Up to two suffixes go.
inline std::string stem(std::string w) {
  static const std::string_view suffixes[] = {
    "ications", "ication", "izations", "ization", "ations", "ation",
    "izing",    "ising",   "ings",     "ing",     "ies",    "es",
    "s",        "ed",      "ly",       "y",       "e"};
  for (int round = 0; round < 2; ++round)
    for (auto s : suffixes)
      if (w.size() >= s.size() + 3
          && w.compare(w.size() - s.size(), s.size(), s) == 0) {
        w.resize(w.size() - s.size());
        break;
      }
  return w;
}

/// Stemmed content words (letters and digits) of a text, in order.
inline std::vector<std::string> content_words(std::string_view text) {
  std::vector<std::string> result;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty() && !is_stopword(cur))
      result.push_back(stem(std::move(cur)));
    cur.clear();
  };
  for (char c : text) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    if (letter || digit)
      cur += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    else
      flush();
  }
  flush();
  return result;
}

/// Jaccard similarity of the content-word sets of two texts.
inline double word_overlap(std::string_view a, std::string_view b) {
  auto wa = content_words(a);
  auto wb = content_words(b);
  std::sort(wa.begin(), wa.end());
  wa.erase(std::unique(wa.begin(), wa.end()), wa.end());
  std::sort(wb.begin(), wb.end());
  wb.erase(std::unique(wb.begin(), wb.end()), wb.end());
  if (wa.empty() && wb.empty())
    return 1.0;
  std::vector<std::string> common;
  std::set_intersection(wa.begin(), wa.end(), wb.begin(), wb.end(),
                        std::back_inserter(common));
  auto all = wa.size() + wb.size() - common.size();
  return static_cast<double>(common.size()) / static_cast<double>(all);
}

} // namespace kpsynth::sim::detail
