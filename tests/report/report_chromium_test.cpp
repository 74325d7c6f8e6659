// The issue's acceptance test: a report generated for a run, opened in
// headless Chromium (Debian's `chromium`), renders and shows its plots.
// Without chromium the test prints SKIPPED (Catch2 v2 has no skip) and
// passes; install it with `apt-get install -y chromium`.

#include "report/report.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <simdjson.h>
#include <sstream>
#include <unistd.h>

using namespace kpsynth;
using namespace kpsynth::quality;

namespace {

const std::filesystem::path fixture =
  std::filesystem::path{KPSYNTH_SOURCE_DIR} / "tests/report/data/report_run";

/// The chromium executable on PATH, or empty.
std::filesystem::path find_chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs{path ? path : ""};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = std::filesystem::path{dir} / "chromium";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return {};
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1))
    ++n;
  return n;
}

/// Runs chromium headless on `page` with `args`; stdout goes to `out`.
int run_chromium(const std::filesystem::path& chromium,
                 const std::filesystem::path& dir,
                 const std::filesystem::path& page, const std::string& args,
                 const std::filesystem::path& out) {
  auto cmd = "timeout 120 '" + chromium.string()
             + "' --headless --no-sandbox --disable-gpu --no-first-run "
               "--user-data-dir='"
             + (dir / "profile").string() + "' " + args + " 'file://"
             + page.string() + "' > '" + out.string() + "' 2> '"
             + (dir / "chromium.log").string() + "'";
  return std::system(cmd.c_str());
}

/// Measures the rendered geometry of the page's plots and writes it into
/// the DOM as JSON. Added to a copy of the report only: the report itself
/// has no script.
const char* measure_script = R"js(<script>
(function () {
  var out = {svgs: [], bars: 0, visible_bars: 0, curve_length: 0,
             markers: 0, headings: []};
  document.querySelectorAll('svg.chart').forEach(function (s) {
    var r = s.getBoundingClientRect();
    out.svgs.push([r.width, r.height]);
  });
  document.querySelectorAll('rect.bar').forEach(function (b) {
    out.bars++;
    var r = b.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) out.visible_bars++;
  });
  var c = document.querySelector('path.curve');
  if (c) out.curve_length = c.getTotalLength();
  out.markers = document.querySelectorAll('.marker').length;
  document.querySelectorAll('h2').forEach(function (h) {
    out.headings.push(h.textContent);
  });
  var pre = document.createElement('pre');
  pre.id = 'measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>)js";

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path()
           / ("kpsynth_chromium_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

} // namespace

TEST_CASE("report renders in headless Chromium (SKIPPED without chromium)",
          "[report][chromium]") {
  auto chromium = find_chromium();
  if (chromium.empty()) {
    WARN("SKIPPED: `chromium` is not on PATH; install it with "
         "`apt-get install -y chromium` to run this test");
    return;
  }
  temp_dir dir;
  report_config cfg;
  cfg.run_dir = fixture;
  cfg.seeds = fixture / "seed_problems.jsonl";
  cfg.min_pts = 1; // three accepted problems: let the k-distance plot show
  auto html_path = dir.path / "report.html";
  auto s = write_report(cfg, {html_path, {}});
  REQUIRE(s);
  auto html = read_file(html_path);

  SECTION("the DOM holds the headings and the plots") {
    auto dom_path = dir.path / "dom.html";
    REQUIRE(run_chromium(chromium, dir.path, html_path, "--dump-dom", dom_path)
            == 0);
    auto dom = read_file(dom_path);
    INFO(read_file(dir.path / "chromium.log"));
    REQUIRE(!dom.empty());
    CHECK(dom.find("<h1>kpsynth dataset report</h1>") != std::string::npos);
    for (auto h :
         {"Overview", "Acceptance by combination kind", "Where items were lost",
          "Latency per stage", "Similarity to the seed problems", "Diversity",
          "Judge agreement"})
      CHECK(dom.find(std::string{"<h2>"} + h + "</h2>") != std::string::npos);
    CHECK(count_of(dom, "<svg ") == 6);
    CHECK(count_of(dom, "class=\"bar\"") == count_of(html, "class=\"bar\""));
    // The hostile problem text stayed text.
    CHECK(dom.find("<svg onload") == std::string::npos);
    CHECK(dom.find("&lt;/script&gt;&lt;svg onload=alert(1)&gt;")
          != std::string::npos);
  }

  SECTION("the plots have a rendered size") {
    auto page = dir.path / "measure.html";
    auto copy = html;
    copy.insert(copy.rfind("</body>"), measure_script);
    std::ofstream{page, std::ios::binary} << copy;
    auto dom_path = dir.path / "measured.html";
    REQUIRE(run_chromium(chromium, dir.path, page, "--dump-dom", dom_path)
            == 0);
    auto dom = read_file(dom_path);
    INFO(read_file(dir.path / "chromium.log"));
    auto open = dom.find("<pre id=\"measure\">");
    REQUIRE(open != std::string::npos);
    open += 18;
    auto json = dom.substr(open, dom.find("</pre>", open) - open);
    simdjson::dom::parser parser;
    simdjson::padded_string padded{json};
    simdjson::dom::element m;
    INFO(json);
    REQUIRE(parser.parse(padded).get(m) == simdjson::SUCCESS);
    auto svgs = m["svgs"].get_array().value();
    CHECK(svgs.size() == 6);
    for (auto size : svgs) {
      CHECK(double(size.at(0)) > 300);
      CHECK(double(size.at(1)) > 100);
    }
    // Bars of non-zero value in the fixture: 7 (kinds), 4 (losses), 8
    // (difficulty), 8 (latency) and the filled histogram bins. Zero-value
    // bars are drawn without area.
    uint64_t filled = 7 + 4 + 8 + 8;
    for (auto n : s->similarity.histogram)
      filled += n > 0 ? 1 : 0;
    CHECK(uint64_t(m["bars"]) == count_of(html, "class=\"bar\""));
    CHECK(uint64_t(m["visible_bars"]) == filled);
    CHECK(double(m["curve_length"]) > 100);
    CHECK(uint64_t(m["markers"]) == 2); // eps line and dot
    CHECK(m["headings"].get_array().size() == 9);
  }

  SECTION("a screenshot is taken") {
    auto png = dir.path / "report.png";
    REQUIRE(run_chromium(chromium, dir.path, html_path,
                         "--screenshot='" + png.string()
                           + "' --window-size=1280,2000",
                         dir.path / "stdout.txt")
            == 0);
    auto bytes = read_file(png);
    REQUIRE(bytes.size() > 24);
    CHECK(bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n");
    auto be32 = [&](std::size_t at) {
      return (uint32_t(uint8_t(bytes[at])) << 24)
             | (uint32_t(uint8_t(bytes[at + 1])) << 16)
             | (uint32_t(uint8_t(bytes[at + 2])) << 8)
             | uint32_t(uint8_t(bytes[at + 3]));
    };
    CHECK(be32(16) == 1280);     // IHDR width
    CHECK(be32(20) == 2000);     // IHDR height
    CHECK(bytes.size() > 20000); // a blank page compresses to far less
  }
}
