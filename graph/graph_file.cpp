#include "graph/graph_file.hpp"

#include "graph/hashing.hpp"

#include <bit>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <unistd.h>

namespace kpsynth::graph {

static_assert(std::endian::native == std::endian::little,
              "the graph file format is written in host order");

namespace {

constexpr std::string_view magic = "KPSGRAPH";
constexpr std::uint32_t version = 1;

/// Section tags, four ASCII characters read as a little-endian integer.
constexpr std::uint32_t tag(const char (&s)[5]) {
  return std::uint32_t(std::uint8_t(s[0]))
         | std::uint32_t(std::uint8_t(s[1])) << 8
         | std::uint32_t(std::uint8_t(s[2])) << 16
         | std::uint32_t(std::uint8_t(s[3])) << 24;
}
constexpr std::uint32_t tag_texts = tag("KPTX");
constexpr std::uint32_t tag_seeds = tag("SEED");
constexpr std::uint32_t tag_mentions = tag("MENT");
constexpr std::uint32_t tag_reps = tag("REPR");
constexpr std::uint32_t tag_graph = tag("GRPH");
constexpr std::uint32_t tag_end = tag("END!");

std::string tag_name(std::uint32_t t) {
  std::string s(4, '?');
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((t >> (8 * i)) & 0xFF);
    s[static_cast<std::size_t>(i)] = (c >= 32 && c < 127) ? c : '?';
  }
  return s;
}

/// Appends fixed-width values and length-prefixed arrays.
struct writer {
  std::string out;

  template<class T>
  void put(T v) {
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    out.append(buf, sizeof(T));
  }
  template<class T>
  void put_vector(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_string(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
};

/// Bounds-checked reading of one section's payload. Every failure names
/// the absolute byte offset and the section.
class reader {
 public:
  reader(std::string_view bytes, std::size_t base, std::string where)
    : bytes_(bytes), base_(base), where_(std::move(where)) {}

  template<class T>
  std::optional<T> get() {
    if (!need(sizeof(T)))
      return std::nullopt;
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template<class T>
  bool get_vector(std::vector<T>& v) {
    auto n = get<std::uint64_t>();
    if (!n || *n > (bytes_.size() - pos_) / sizeof(T))
      return fail("array length " + std::to_string(n ? *n : 0)
                  + " exceeds the section");
    v.resize(*n);
    std::memcpy(v.data(), bytes_.data() + pos_, *n * sizeof(T));
    pos_ += *n * sizeof(T);
    return true;
  }
  std::optional<std::string_view> get_string() {
    auto n = get<std::uint32_t>();
    if (!n || !need(*n))
      return std::nullopt;
    auto s = bytes_.substr(pos_, *n);
    pos_ += *n;
    return s;
  }
  bool at_end() const { return pos_ == bytes_.size(); }
  bool fail(std::string msg) {
    if (!error_)
      error_ = make_problem("bad_graph_file", std::move(msg),
                            where_ + ": byte " + std::to_string(base_ + pos_));
    return false;
  }
  problem error() const {
    return error_ ? *error_
                  : make_problem("bad_graph_file", "malformed section", where_);
  }

 private:
  bool need(std::size_t n) {
    if (bytes_.size() - pos_ >= n)
      return true;
    return fail("section ends early");
  }

  std::string_view bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
  std::string where_;
  std::optional<problem> error_;
};

void put_section(writer& w, std::uint32_t t, const std::string& payload) {
  w.put(t);
  w.put<std::uint64_t>(payload.size());
  w.out += payload;
  w.put<std::uint64_t>(hash_string(payload));
}

} // namespace

std::string encode_bundle(const kp_registry& registry,
                          std::span<const kp_id> representative_of,
                          const kp_graph& graph) {
  writer file;
  file.out.append(magic);
  file.put(version);
  std::uint64_t sections = 0;
  {
    writer w;
    w.put<std::uint64_t>(registry.size());
    for (kp_id i = 0; i < registry.size(); ++i)
      w.put_string(registry.display(i));
    put_section(file, tag_texts, w.out);
    ++sections;
  }
  {
    writer w;
    w.put<std::uint64_t>(registry.seed_count());
    for (seed_index s = 0; s < registry.seed_count(); ++s)
      w.put_string(registry.seed_name(s));
    put_section(file, tag_seeds, w.out);
    ++sections;
  }
  {
    writer w;
    for (seed_index s = 0; s < registry.seed_count(); ++s) {
      auto kps = registry.kps_of_seed(s);
      w.put_vector(std::vector<kp_id>(kps.begin(), kps.end()));
    }
    put_section(file, tag_mentions, w.out);
    ++sections;
  }
  {
    writer w;
    w.put_vector(
      std::vector<kp_id>(representative_of.begin(), representative_of.end()));
    put_section(file, tag_reps, w.out);
    ++sections;
  }
  {
    const auto& p = graph.parts();
    writer w;
    w.put(p.seed_count);
    w.put_vector(p.node_kps);
    w.put_vector(p.node_seed_offsets);
    w.put_vector(p.node_seeds);
    w.put_vector(p.adjacency_offsets);
    w.put_vector(p.adjacency);
    w.put_vector(p.weights);
    w.put_vector(p.edge_seed_offsets);
    w.put_vector(p.edge_seeds);
    put_section(file, tag_graph, w.out);
    ++sections;
  }
  writer end;
  end.put(sections);
  put_section(file, tag_end, end.out);
  return std::move(file.out);
}

result<graph_bundle> decode_bundle(std::string_view bytes,
                                   std::string_view where_sv) {
  const std::string where{where_sv};
  auto bad = [&](std::size_t at, std::string msg) {
    return make_problem("bad_graph_file", std::move(msg),
                        where + ": byte " + std::to_string(at));
  };
  if (bytes.size() < magic.size() + 4)
    return bad(bytes.size(), "file is truncated before the header ends");
  if (bytes.substr(0, magic.size()) != magic)
    return bad(0, "not a kpsynth graph file (bad magic)");
  std::uint32_t ver = 0;
  std::memcpy(&ver, bytes.data() + magic.size(), 4);
  if (ver != version)
    return bad(magic.size(), "unsupported version " + std::to_string(ver));

  graph_bundle out;
  std::optional<kp_graph> graph;
  std::uint64_t sections = 0;
  std::set<std::uint32_t> seen;
  bool ended = false;
  std::size_t pos = magic.size() + 4;
  while (!ended) {
    if (bytes.size() - pos < 12)
      return bad(pos, "file is truncated: section header missing (no END "
                      "section)");
    std::uint32_t t = 0;
    std::uint64_t len = 0;
    std::memcpy(&t, bytes.data() + pos, 4);
    std::memcpy(&len, bytes.data() + pos + 4, 8);
    const auto name = tag_name(t);
    if (len > bytes.size() - pos - 12 || bytes.size() - pos - 12 - len < 8)
      return bad(pos, "file is truncated inside section " + name + " ("
                        + std::to_string(len) + " payload bytes announced, "
                        + std::to_string(bytes.size() - pos - 12) + " left)");
    const auto payload = bytes.substr(pos + 12, len);
    std::uint64_t sum = 0;
    std::memcpy(&sum, bytes.data() + pos + 12 + len, 8);
    if (sum != hash_string(payload))
      return bad(pos, "checksum mismatch in section " + name);
    const std::size_t base = pos + 12;
    if (t != tag_end && !seen.insert(t).second)
      return bad(pos, "section " + name + " appears twice");
    pos += 12 + len + 8;
    reader r{payload, base, where + " (" + name + ")"};
    bool ok = true;
    if (t == tag_texts) {
      auto n = r.get<std::uint64_t>();
      ok = n.has_value();
      for (std::uint64_t i = 0; ok && i < *n; ++i) {
        auto s = r.get_string();
        if (!s) {
          ok = false;
        } else if (auto id = out.registry.intern(*s); !id || *id != i) {
          ok = r.fail("KP text " + std::to_string(i)
                      + " is empty or repeats an earlier one");
        }
      }
    } else if (t == tag_seeds) {
      auto n = r.get<std::uint64_t>();
      ok = n.has_value();
      for (std::uint64_t i = 0; ok && i < *n; ++i) {
        auto s = r.get_string();
        if (!s)
          ok = false;
        else if (out.registry.add_seed(*s) != i)
          ok = r.fail("seed name " + std::to_string(i) + " repeats");
      }
    } else if (t == tag_mentions) {
      for (seed_index s = 0; ok && s < out.registry.seed_count(); ++s) {
        std::vector<kp_id> kps;
        ok = r.get_vector(kps);
        for (std::size_t i = 0; ok && i < kps.size(); ++i)
          if (!out.registry.add_mention(s, kps[i]))
            ok = r.fail("seed " + std::to_string(s) + " mentions unknown KP "
                        + std::to_string(kps[i]));
      }
    } else if (t == tag_reps) {
      ok = r.get_vector(out.representative_of);
      if (ok && !out.representative_of.empty()
          && out.representative_of.size() != out.registry.size())
        ok = r.fail("representative map has "
                    + std::to_string(out.representative_of.size())
                    + " entries for " + std::to_string(out.registry.size())
                    + " KPs");
      for (std::size_t i = 0; ok && i < out.representative_of.size(); ++i)
        if (out.representative_of[i] >= out.registry.size())
          ok = r.fail("representative of KP " + std::to_string(i)
                      + " is out of range");
    } else if (t == tag_graph) {
      graph_parts p;
      auto sc = r.get<std::uint32_t>();
      ok = sc.has_value() && r.get_vector(p.node_kps)
           && r.get_vector(p.node_seed_offsets) && r.get_vector(p.node_seeds)
           && r.get_vector(p.adjacency_offsets) && r.get_vector(p.adjacency)
           && r.get_vector(p.weights) && r.get_vector(p.edge_seed_offsets)
           && r.get_vector(p.edge_seeds);
      if (ok) {
        p.seed_count = *sc;
        auto g = kp_graph::from_parts(std::move(p), where + " (GRPH)");
        if (!g)
          return g.error();
        graph = std::move(*g);
      }
    } else if (t == tag_end) {
      auto n = r.get<std::uint64_t>();
      ok = n.has_value();
      if (ok && *n != sections)
        ok = r.fail("END counts " + std::to_string(*n) + " sections, file has "
                    + std::to_string(sections));
      ended = true;
    } else {
      return bad(pos - len - 20, "unknown section " + name);
    }
    if (ok && !r.at_end())
      ok = r.fail("unexpected bytes at the end of the section");
    if (!ok)
      return r.error();
    if (!ended)
      ++sections;
  }
  if (pos != bytes.size())
    return bad(pos, "unexpected bytes after the END section");
  for (auto t : {tag_texts, tag_seeds, tag_mentions, tag_reps, tag_graph})
    if (!seen.count(t))
      return bad(pos, "file has no " + tag_name(t) + " section");
  if (out.registry.size() > 0) {
    const auto& p = graph->parts();
    if (!p.node_kps.empty() && p.node_kps.back() >= out.registry.size())
      return bad(pos, "graph names KPs the registry does not have");
    if (p.seed_count > out.registry.seed_count())
      return bad(pos, "graph has more seeds than the registry");
  }
  out.graph = std::move(*graph);
  return out;
}

result<std::uint64_t> save_bundle(const std::filesystem::path& file,
                                  const kp_registry& registry,
                                  std::span<const kp_id> representative_of,
                                  const kp_graph& graph) {
  const auto bytes = encode_bundle(registry, representative_of, graph);
  auto tmp = file;
  tmp += ".tmp";
  auto fail = [&](std::string what) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return make_problem("io_error", what + ": " + std::strerror(err),
                        file.string());
  };
  const int fd =
    ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail("cannot create " + tmp.string());
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      ::close(fd);
      return fail("write failed");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return fail("fsync failed");
  }
  if (::close(fd) != 0)
    return fail("close failed");
  if (::rename(tmp.c_str(), file.c_str()) != 0)
    return fail("rename failed");
  return std::uint64_t{bytes.size()};
}

result<graph_bundle> load_bundle(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_problem("io_error", "cannot open graph file", file.string());
  std::string bytes{std::istreambuf_iterator<char>(in),
                    std::istreambuf_iterator<char>()};
  if (in.bad())
    return make_problem("io_error", "read failed", file.string());
  return decode_bundle(bytes, file.string());
}

} // namespace kpsynth::graph
