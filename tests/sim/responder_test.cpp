#include "core/llm_output.hpp"
#include "core/prompt_pack.hpp"
#include "sim/responder.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace kpsynth;

namespace {

/// Seeds from the MATH train split (Hendrycks et al., MIT licence), embedded
/// so that the test does not need the shared data directory.
struct seed {
  const char* problem;
  const char* solution;
};

const seed seeds[] = {
  {"Evaluate $\\log_432$.",
   "Let $x=\\log_432$.  Then, we must have $4^x = 32$.  Writing both 4 and 32 "
   "with 2 as the base gives $(2^2)^x = 2^5$, so $2^{2x} = 2^5$.  Therefore, "
   "we must have $2x =5$, so $x =\\boxed{\\frac{5}{2}}$."},
  {"Given that $a$ is a multiple of $456$, find the greatest common divisor "
   "of $3a^3+a^2+4a+57$ and $a$.",
   "We use the Euclidean Algorithm.  \\begin{align*}\n\\text{gcd}\\,(3a^3+a^2"
   "+4a+57,a) &=\\text{gcd}\\,(3a^3+a^2+4a+57-(3a^2+a+4)a,a)\\\\\n&=\\text{gcd}"
   "\\,(57,a).\n\\end{align*}Since $57$ is a divisor of $456$, and $a$ is a "
   "multiple of $456$, the greatest common divisor is $\\boxed{57}$."},
  {"The second hand on the clock pictured below is 6 cm long.  How far in "
   "centimeters does the tip of this second hand travel during a period of 30 "
   "minutes? Express your answer in terms of $\\pi$.",
   "In 30 minutes, the tip of the second hand travels 30 times around the "
   "circumference of a circle of radius 6cm. Since the circumference is "
   "$2\\pi \\cdot6 = 12\\pi$, the tip of the second hand travels $12\\pi "
   "\\cdot 30 = \\boxed{360\\pi}$ centimeters."},
  {"Two distinct positive integers from 1 to 50 inclusive are chosen.  Let "
   "the sum of the integers equal $S$ and the product equal $P$.  What is the "
   "probability that $P+S$ is one less than a multiple of 5?",
   "There are a total of $\\binom{50}{2}=1225$ ways to choose the two "
   "positive integers.  Call these integers $a$ and $b$.  The problem asks "
   "what the probability is that: $$ab+a+b=n-1$$where $n$ is a multiple of "
   "5.  We can add one to each side of this equation and factor: "
   "$$ab+a+b+1=(a+1)(b+1)=n$$ ... the probability is $\\boxed{\\frac{89}"
   "{245}}$."},
};

const core::prompt_pack& pack() {
  static const auto loaded = [] {
    auto p = core::load_prompt_pack(KPSYNTH_SOURCE_DIR "/prompts/math");
    if (!p)
      FAIL(p.error().to_string());
    return *p;
  }();
  return loaded;
}

/// Builds the request a pipeline stage would send.
openai::chat_request request(const std::string& kind,
                             const std::map<std::string, std::string>& values,
                             const std::string& model = "sim-7b") {
  openai::chat_request req;
  req.model = model;
  auto sys = pack().system_message(kind);
  if (!sys.empty())
    req.messages.push_back({"system", std::string{sys}});
  auto text = pack().render(kind, values);
  REQUIRE(text);
  req.messages.push_back({"user", *text});
  req.params.temperature = pack().sampling(kind).temperature;
  req.params.max_tokens = pack().sampling(kind).max_tokens;
  return req;
}

std::string numbered(const std::vector<std::string>& xs) {
  std::string result;
  for (size_t i = 0; i < xs.size(); ++i)
    result += std::to_string(i + 1) + ". " + xs[i] + "\n";
  return result;
}

/// KP sets for generation, drawn from a fixed list.
std::vector<std::string> kp_set(size_t i) {
  static const std::vector<std::string> kps = {
    "Solving linear equations", "Vieta's formulas",
    "Arithmetic sequences",     "Greatest common divisor",
    "Basic probability",        "Pythagorean theorem",
    "Percent calculations",     "Modular arithmetic",
    "Counting combinations",    "Systems of linear equations",
    "Laws of exponents",        "Area of rectangles",
    "Prime factorization",      "Parity of integers"};
  return {kps[i % kps.size()], kps[(i * 7 + 3) % kps.size()]};
}

std::string generate_problem(const sim::responder& r, size_t i) {
  auto kps = kp_set(i);
  auto req = request("generate", {{"knowledge_points", numbered(kps)},
                                  {"count", std::to_string(kps.size())}});
  auto a = r.respond(req, static_cast<uint32_t>(i));
  auto p = core::parse_generated_problem(a.text);
  REQUIRE(p);
  return *p;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0;
  for (size_t i = 0; i < a.size(); ++i)
    dot += static_cast<double>(a[i]) * b[i];
  return dot;
}

} // namespace

TEST_CASE("kp_extract finds realistic knowledge points in MATH seeds") {
  sim::responder r;
  std::vector<std::vector<std::string>> lists;
  for (auto& s : seeds) {
    auto req = request(
      "kp_extract",
      {{"problem", s.problem}, {"solution", s.solution}, {"max_points", "10"}});
    auto a = r.respond(req, 0);
    CHECK(a.kind == "kp_extract");
    auto kps = core::parse_kp_list(a.text);
    INFO(a.text);
    REQUIRE(kps);
    CHECK(kps->size() >= 2);
    CHECK(kps->size() <= 10);
    lists.push_back(*kps);
  }
  auto has = [](const std::vector<std::string>& xs, std::string_view word) {
    for (auto& x : xs)
      if (x.find(word) != std::string::npos)
        return true;
    return false;
  };
  CHECK(has(lists[0], "ogarithm"));
  CHECK((has(lists[1], "common divisor") || has(lists[1], "GCD")));
  CHECK(has(lists[2], "ircle"));
  CHECK(has(lists[3], "robabilit"));
  // The cap from the prompt is honoured.
  auto req = request("kp_extract", {{"problem", seeds[3].problem},
                                    {"solution", seeds[3].solution},
                                    {"max_points", "2"}});
  CHECK(core::parse_kp_list(r.respond(req, 0).text)->size() == 2);
}

TEST_CASE("every kind answers in a format its parser accepts") {
  sim::responder r;
  auto problem = generate_problem(r, 3);
  std::vector<std::string> kps = {"Solving quadratic equations",
                                  "Vieta's formulas",
                                  "Quadratic equation "
                                  "solving"};
  auto ask = [&](const std::string& kind,
                 const std::map<std::string, std::string>& values) {
    auto a = r.respond(request(kind, values), 0);
    CHECK(a.kind == kind);
    CHECK(a.finish_reason == "stop");
    CHECK(a.completion_tokens >= 1);
    CHECK(a.prompt_tokens > 20);
    return a.text;
  };
  auto list = numbered(kps);
  auto count = std::to_string(kps.size());
  CHECK(core::parse_kp_quality(
    ask("kp_quality", {{"knowledge_points", list}, {"count", count}}),
    kps.size()));
  CHECK(core::parse_same_or_different(
    ask("kp_synonym", {{"kp_a", kps[0]}, {"kp_b", kps[2]}})));
  CHECK(core::parse_representative(
    ask("kp_representative", {{"knowledge_points", list}, {"count", count}}),
    kps.size()));
  CHECK(core::parse_difficulty(ask("difficulty", {{"problem", problem}})));
  auto solution = ask("solve", {{"problem", problem}});
  REQUIRE(core::parse_solution(solution));
  CHECK(core::parse_score(ask("judge_problem", {{"problem", problem}})));
  CHECK(core::parse_verdict(
    ask("judge_solution", {{"problem", problem}, {"solution", solution}})));
  auto program = core::parse_program(ask("program", {{"problem", problem}}));
  REQUIRE(program);
  CHECK(core::parse_verdict(
    ask("program_judge", {{"problem", problem}, {"program", *program}}),
    "program_judge"));
  CHECK(core::parse_same_or_different(
    ask("same_problem", {{"problem_a", problem}, {"problem_b", problem}}),
    "same_problem"));
}

TEST_CASE("answers are deterministic and vary with seed and choice") {
  sim::responder r;
  auto problem = generate_problem(r, 11);
  auto req = request("solve", {{"problem", problem}});
  CHECK(r.respond(req, 0).text == r.respond(req, 0).text);
  CHECK(sim::responder{}.respond(req, 2).text == r.respond(req, 2).text);
  // A fresh responder (a restarted simulator) judges identically.
  auto judge = request("judge_problem", {{"problem", problem}}, "judge-x");
  CHECK(sim::responder{}.respond(judge, 0).text == r.respond(judge, 0).text);
  // Over many problems, n > 1 choices and request seeds change answers.
  size_t choice_differs = 0;
  size_t seed_differs = 0;
  for (size_t i = 0; i < 40; ++i) {
    auto q = request("solve", {{"problem", generate_problem(r, i)}});
    auto a0 = core::parse_solution(r.respond(q, 0).text)->answer;
    auto a1 = core::parse_solution(r.respond(q, 1).text)->answer;
    q.params.has_seed = true;
    q.params.seed = 99;
    auto s0 = core::parse_solution(r.respond(q, 0).text)->answer;
    choice_differs += a0 != a1 ? 1 : 0;
    seed_differs += a0 != s0 ? 1 : 0;
  }
  CHECK(choice_differs > 0);
  CHECK(seed_differs > 0);
  // Greedy decoding ignores the choice index.
  req.params.temperature = 0;
  CHECK(r.respond(req, 0).text == r.respond(req, 5).text);
}

TEST_CASE("judges match the ground truth with their configured accuracy") {
  sim::responder_options opt;
  opt.judges["judge-a"] = {0.9, 0.0};
  opt.judges["judge-b"] = {0.75, 0.0};
  opt.solver_accuracy["solver"] = 0.7;
  sim::responder r{opt};
  const size_t n = 2000;
  size_t problem_right = 0;
  size_t solution_right = 0;
  size_t unsound = 0;
  size_t sound = 0;
  size_t solved = 0;
  for (size_t i = 0; i < n; ++i) {
    auto problem = generate_problem(r, i);
    auto t = r.truth_of(problem);
    REQUIRE(t.known);
    unsound += t.sound ? 0 : 1;
    auto score = core::parse_score(
      r.respond(request("judge_problem", {{"problem", problem}}, "judge-a"), 0)
        .text);
    REQUIRE(score);
    problem_right += ((score->value >= 0.85) == t.sound) ? 1 : 0;
    auto solution =
      r.respond(request("solve", {{"problem", problem}}, "solver"), 0).text;
    auto parsed = core::parse_solution(solution);
    REQUIRE(parsed);
    bool correct = t.sound && parsed->answer == t.answer;
    if (t.sound) {
      ++sound;
      solved += correct ? 1 : 0;
    }
    auto verdict = core::parse_verdict(
      r.respond(request("judge_solution",
                        {{"problem", problem}, {"solution", solution}},
                        "judge-b"),
                0)
        .text);
    REQUIRE(verdict);
    solution_right += (*verdict == correct) ? 1 : 0;
  }
  auto rate = [&](size_t k, size_t of) {
    return static_cast<double>(k) / static_cast<double>(of);
  };
  CHECK(rate(problem_right, n) == Approx(0.9).margin(0.03));
  CHECK(rate(solution_right, n) == Approx(0.75).margin(0.03));
  CHECK(rate(unsound, n) == Approx(0.2).margin(0.03));
  CHECK(rate(solved, sound) == Approx(0.7).margin(0.03));
}

TEST_CASE("judge bias shifts verdicts towards accepting or rejecting") {
  sim::responder_options opt;
  opt.judges["lenient"] = {0.8, 0.15};
  opt.judges["harsh"] = {0.8, -0.15};
  sim::responder r{opt};
  size_t lenient = 0;
  size_t harsh = 0;
  for (size_t i = 0; i < 400; ++i) {
    auto problem = generate_problem(r, i);
    auto accepts = [&](const std::string& model) {
      auto req = request("judge_problem", {{"problem", problem}}, model);
      return core::parse_score(r.respond(req, 0).text)->value >= 0.85;
    };
    lenient += accepts("lenient") ? 1 : 0;
    harsh += accepts("harsh") ? 1 : 0;
  }
  CHECK(lenient > harsh + 60);
}

TEST_CASE("truth_of agrees with solvers, programs and unsound_rate") {
  sim::responder_options opt;
  opt.unsound_rate = 0.0;
  opt.solver_accuracy["perfect"] = 1.0;
  opt.solver_accuracy["hopeless"] = 0.0;
  opt.judges["exact"] = {1.0, 0.0};
  sim::responder r{opt};
  for (size_t i = 0; i < 300; ++i) {
    auto problem = generate_problem(r, i);
    auto t = r.truth_of(problem);
    REQUIRE(t.known);
    REQUIRE(t.sound);
    auto right = core::parse_solution(
      r.respond(request("solve", {{"problem", problem}}, "perfect"), 0).text);
    auto wrong = core::parse_solution(
      r.respond(request("solve", {{"problem", problem}}, "hopeless"), 0).text);
    CHECK(right->answer == t.answer);
    CHECK(wrong->answer != t.answer);
    for (auto* model : {"perfect", "hopeless"}) {
      auto code = core::parse_program(
        r.respond(request("program", {{"problem", problem}}, model), 0).text);
      REQUIRE(code);
      auto ok = core::parse_verdict(
        r.respond(request("program_judge",
                          {{"problem", problem}, {"program", *code}}, "exact"),
                  0)
          .text);
      CHECK(*ok == (std::string{model} == "perfect"));
    }
  }
  opt.unsound_rate = 1.0;
  sim::responder bad{opt};
  for (size_t i = 0; i < 100; ++i) {
    auto t = bad.truth_of(generate_problem(bad, i));
    CHECK(t.known);
    CHECK_FALSE(t.sound);
  }
  CHECK_FALSE(r.truth_of(seeds[0].problem).known);
}

TEST_CASE("knowledge point kinds behave like a careful editor") {
  sim::responder r;
  auto synonym = [&](const std::string& a, const std::string& b) {
    auto req = request("kp_synonym", {{"kp_a", a}, {"kp_b", b}});
    return *core::parse_same_or_different(r.respond(req, 0).text);
  };
  CHECK(synonym("Simplifying square roots", "Simplifying radical expressions"));
  CHECK(synonym("Probability of independent events", "Independent events"));
  CHECK_FALSE(synonym("Modular arithmetic", "Pythagorean theorem"));
  std::vector<std::string> group = {"Solving quadratic equations by factoring",
                                    "Solving quadratic equations",
                                    "Quadratic equation solving methods"};
  auto req = request("kp_representative",
                     {{"knowledge_points", numbered(group)}, {"count", "3"}});
  CHECK(*core::parse_representative(r.respond(req, 0).text, 3) == 1);
  // Quality review drops some but not most knowledge points.
  std::vector<std::string> many;
  for (size_t i = 0; i < 100; ++i)
    many.push_back(kp_set(i)[0] + " with case " + std::to_string(i));
  many.push_back("Mathematics");
  auto quality = request(
    "kp_quality", {{"knowledge_points", numbered(many)}, {"count", "101"}});
  auto keep = core::parse_kp_quality(r.respond(quality, 0).text, 101);
  REQUIRE(keep);
  auto kept = std::count(keep->begin(), keep->end(), true);
  CHECK(kept >= 80);
  CHECK(kept <= 97);
  CHECK_FALSE(keep->back()); // "Mathematics" is too vague.
}

TEST_CASE("same_problem and embeddings reflect word overlap") {
  sim::responder r;
  auto a = generate_problem(r, 1);
  auto b = generate_problem(r, 2);
  auto same = [&](const std::string& x, const std::string& y) {
    auto req = request("same_problem", {{"problem_a", x}, {"problem_b", y}});
    return *core::parse_same_or_different(r.respond(req, 0).text,
                                          "same_problem");
  };
  CHECK(same(a, a));
  CHECK(same(a, "  " + a + "\n"));
  CHECK_FALSE(same(a, b));
  auto e1 = r.embed("Solving quadratic equations", 256);
  auto e2 = r.embed("Solving quadratic equations by factoring", 256);
  auto e3 = r.embed("Probability of independent events", 256);
  REQUIRE(e1.size() == 256);
  CHECK(cosine(e1, r.embed("Solving quadratic equations", 256))
        == Approx(1.0).epsilon(1e-6));
  CHECK(cosine(e1, e1) == Approx(1.0).epsilon(1e-6));
  auto near = cosine(e1, e2);
  CHECK(near >= 0.7);
  CHECK(near < 0.9);
  CHECK(cosine(r.embed("Independent events", 256), e3) >= 0.7);
  CHECK(std::abs(cosine(e1, e3)) < 0.3);
  CHECK(near > std::abs(cosine(e1, e3)));
  CHECK(r.embed("", 8).size() == 8);
  CHECK(r.embed("x", 0).empty());
}

TEST_CASE("server behaviour: max_tokens, stop, completions, generic") {
  sim::responder r;
  auto req = request("solve", {{"problem", generate_problem(r, 5)}});
  req.params.max_tokens = 8;
  auto cut = r.respond(req, 0);
  CHECK(cut.finish_reason == "length");
  CHECK(cut.completion_tokens == 8);
  CHECK(cut.text.size() <= 32);
  CHECK_FALSE(core::parse_solution(cut.text));
  req.params.max_tokens = 2048;
  req.params.stop = {"**Step 2.**"};
  auto stopped = r.respond(req, 0);
  CHECK(stopped.finish_reason == "stop");
  CHECK(stopped.text.find("Step 2") == std::string::npos);
  CHECK(stopped.text.find("Step 1") != std::string::npos);
  openai::completion_request plain;
  plain.model = "m";
  plain.prompt = *pack().render("difficulty", {{"problem", "Find $1+1$."}});
  auto d = r.respond(plain, 0);
  CHECK(d.kind == "difficulty");
  CHECK(core::parse_difficulty(d.text));
  openai::chat_request hello;
  hello.messages.push_back({"user", "Hello there, how are you?"});
  auto g = r.respond(hello, 0);
  CHECK(g.kind == "generic");
  CHECK_FALSE(g.text.empty());
  // Lengths follow the role: a solution is long, a verdict short.
  auto problem = generate_problem(r, 6);
  auto sol = r.respond(request("solve", {{"problem", problem}}), 0);
  auto same = r.respond(
    request("same_problem", {{"problem_a", problem}, {"problem_b", problem}}),
    0);
  CHECK(sol.completion_tokens > 60);
  CHECK(same.completion_tokens < 5);
}

TEST_CASE("responder options read from TOML") {
  auto opt = sim::responder_options::from_toml(
    "seed = 7\nunsound_rate = 0.1\n[solver_accuracy]\n\"qwen-7b\" = 0.6\n"
    "[default_judge]\naccuracy = 0.7\n[judges.big]\nbias = -0.1\n",
    "sim.toml");
  REQUIRE(opt);
  CHECK(opt->seed == 7);
  CHECK(opt->unsound_rate == 0.1);
  CHECK(opt->solver_accuracy.at("qwen-7b") == 0.6);
  CHECK(opt->judges.at("big").accuracy == 0.7);
  CHECK(opt->judges.at("big").bias == -0.1);
  auto bad = sim::responder_options::from_toml("seed = 1\nunsound_rate = 2\n",
                                               "sim.toml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == "sim.toml:2");
  auto typo = sim::responder_options::from_toml("[judges.x]\naccuracy = 1\n"
                                                "bais = 0.1\n",
                                                "sim.toml");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().where == "sim.toml:3");
  auto syntax = sim::responder_options::from_toml("seed = [", "sim.toml");
  REQUIRE_FALSE(syntax);
  CHECK(syntax.error().code == "bad_toml");
}
