// The api target: a text program of Tensor API calls (api_program.h) runs line by line. Each call
// gives a result -- realized on the engine, checked for its shape and dtype and compared with ref
// (integers and bools exactly, floats within tolerance.h, NaN against NaN) -- or raises anvil::Error
// with an op and a message. Anything else (another exception type, an empty message, an engine or
// ref that cannot run what the API accepted, a crash) is a finding named after the line's op.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <unordered_map>

#include "engine/ir/buffer.h"
#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "fuzz/lib/api_ops.h"
#include "fuzz/lib/case_size.h"
#include "fuzz/lib/compare.h"
#include "fuzz/lib/targets.h"
#include "fuzz/lib/tolerance.h"
#include "verify/ref/ref.h"

namespace anvil::fuzz {
namespace {

using api::Line;

constexpr size_t kMaxInput = 1 << 14;
constexpr size_t kMaxLines = 24;
constexpr int64_t kMaxNodeElements = 1 << 12;
constexpr int64_t kMaxTotalElements = 1 << 15;

Outcome found(const Line& line, const char* kind, const std::string& msg) {
  return Outcome::found({{"api", line.op, "interp", kind}, api::print_line(line) + "\n" + msg});
}

// Small enough to realize and to evaluate with ref: every node's elements bounded.
bool small_graph(const UOp& root) {
  int64_t total = 0;
  for (const UOp& u : root.toposort()) {
    if (!u.shape()) continue;
    int64_t n = 1;
    for (int64_t d : *u.shape()) {
      if (d < 0 || (d && n > kMaxNodeElements / d)) return false;
      n *= d;
    }
    if (n > kMaxNodeElements || (total += n) > kMaxTotalElements) return false;
  }
  return true;
}

// The result of a call that did not raise: shape, dtype and values against ref.
std::optional<Outcome> check_result(const Line& line, const Tensor& t) {
  try {
    (void)t.uop();
  } catch (const Error&) {
    return std::nullopt;  // a call with no tensor result (manual_seed, split into no pieces)
  }
  const Shape& shape = t.shape();
  for (int64_t d : shape)
    if (d < 0) return found(line, "mismatch", "negative size in the result's shape " + shape_str(shape));
  if (!(t.dtype() == t.uop().dtype())) return found(line, "mismatch", "the tensor's dtype is not its graph's");
  if (!small_graph(t.uop())) return std::nullopt;
  ref::Array want;
  try {
    want = ref::evaluate(t.uop());
  } catch (const Error& e) {
    return found(line, "ref-error", std::string("ref cannot evaluate what the API built: ") + e.what());
  }
  Buffer got;
  try {
    got = Tensor(t.uop(), t.keep(), t.device()).to_buffer();  // a fresh handle: later lines keep the lazy graph
  } catch (const Error& e) {
    return found(line, "error", std::string("the engine raised at realize: ") + e.what());
  }
  if (want.shape != shape || !(want.dtype == t.dtype()))
    return found(line, "mismatch",
                 "ref's result is " + name(want.dtype) + " " + shape_str(want.shape) + ", the API's " +
                     name(t.dtype()) + " " + shape_str(shape));
  if (!(got.dtype == t.dtype()) || got.count != want.data.size())
    return found(line, "mismatch",
                 "the realized buffer has " + std::to_string(got.count) + " elements of " + name(got.dtype) +
                     ", expected " + std::to_string(want.data.size()));
  const Scalar s = t.dtype().scalar;
  Tolerance tol{s, terms_of(t.uop()), 0, math_factor(t.uop(), default_backend())};
  if (is_float(s))
    for (const Value& w : want.data)
      if (!w.poison && std::isfinite(w.f)) tol.scale = std::max(tol.scale, std::fabs(w.f));
  for (size_t i = 0; i < want.data.size(); ++i) {
    const Value& w = want.data[i];
    const Value g = got.get(i);
    if (w.poison) continue;  // any value refines poison
    const bool ok = !g.poison && (is_float(s) ? tol.close(g.f, w.f) : g.i == w.i);
    if (ok) continue;
    std::ostringstream msg;
    msg.precision(17);
    msg << "element " << i << " of " << name(t.dtype()) << " " << shape_str(shape) << ": engine ";
    if (g.poison)
      msg << "poison";
    else if (is_float(s))
      msg << g.f;
    else
      msg << static_cast<long long>(g.i);
    msg << ", ref ";
    if (is_float(s))
      msg << w.f;
    else
      msg << static_cast<long long>(w.i);
    return found(line, "mismatch", msg.str() + "\ngraph:\n" + to_text(t.uop()));
  }
  return std::nullopt;
}

// Runs one line: Ok with the result bound, or a finding. Throws api::Malformed.
std::optional<Outcome> run_line(const Line& line, api::Vars& vars) {
  const api::OpSpec* spec = api::find_api_op(line.op);
  if (!spec || spec->method == line.self.empty()) throw api::Malformed{"unknown call " + line.op};
  Tensor result;
  vars.erase(line.out);  // a call that raises leaves its variable undefined (an empty handle)
  try {
    result = spec->run(api::Call(line, vars));
  } catch (const api::Malformed&) {
    throw;
  } catch (const Error& e) {
    if (e.op().empty() || e.message().empty())
      return found(line, "error-type", std::string("anvil::Error without an op or message: '") + e.what() + "'");
    return std::nullopt;
  } catch (const std::exception& e) {
    return found(line, "error-type", std::string("not an anvil::Error: ") + e.what());
  } catch (...) {
    return found(line, "error-type", "an exception of unknown type");
  }
  vars[line.out] = result;
  try {
    return check_result(line, result);
  } catch (const Error& e) {
    return found(line, "error", std::string("checking the result raised: ") + e.what());
  }
}

Outcome run_program(const std::vector<Line>& lines) {
  api::Vars vars;
  Tensor::manual_seed(0);  // random calls repeat from run to run
  for (const Line& line : lines)
    if (auto out = run_line(line, vars)) return *out;
  return Outcome::ok();
}

Outcome run_api(std::string_view input) {
  install_interp_realizer();
  // Valid but huge sizes raise Error("…") instead of reaching libFuzzer's 2 GiB malloc limit.
  set_max_buffer_bytes(size_t{256} << 20);
  if (input.size() > kMaxInput) return Outcome::rejected();
  try {
    std::vector<Line> lines = api::parse_program(input);
    if (lines.empty() || lines.size() > kMaxLines) return Outcome::rejected();
    return run_program(lines);
  } catch (const api::Malformed&) {
    return Outcome::rejected();
  }
}

// A fresh line for op `spec`, its arguments written with what the variables are (when known).
Line gen_line(Source& src, const api::OpSpec& spec, const std::string& out,
              const std::vector<std::pair<std::string, Tensor>>& vars) {
  api::GenCtx g{src, vars, Tensor()};
  Line line{out, "", spec.name, {}};
  if (spec.method) {
    line.self = g.var();
    for (const auto& [n, t] : vars)
      if (n == line.self) g.self = t;
  }
  spec.gen(g, line);
  return line;
}

const api::OpSpec& pick_op(Source& src, bool leaf) {
  static const api::OpSpec* kLeaf = api::find_api_op("from");
  if (leaf) return src.chance(70) ? *kLeaf : api::api_ops()[src.choose(22)];  // the first rows create tensors
  return api::api_ops()[src.choose(api::api_ops().size())];
}

// Any integer in the line's arguments (lists included) past a size the generator may build.
bool has_huge_int(const Line& line) {
  for (const auto& [k, v] : line.args) {
    std::string digits;
    for (char ch : v + ",") {
      if (std::isdigit(static_cast<unsigned char>(ch))) {
        digits += ch;
        continue;
      }
      if (digits.size() > 4) return true;
      digits.clear();
    }
  }
  return false;
}

std::string generate_api(Source& src) {
  install_interp_realizer();
  std::vector<Line> lines;
  std::vector<std::pair<std::string, Tensor>> known;
  api::Vars vars;
  const size_t leaves = 1 + src.choose(2), n = leaves + 1 + src.choose(6);
  for (size_t i = 0; i < n; ++i) {
    Line line = gen_line(src, pick_op(src, i < leaves), "t" + std::to_string(i), known);
    if (has_huge_int(line)) {  // eager creation ops could allocate gigabytes inside the mutator
      known.emplace_back(line.out, Tensor());
      lines.push_back(std::move(line));
      continue;
    }
    try {  // lazily, to know the shapes the next lines work on
      vars[line.out] = api::find_api_op(line.op)->run(api::Call(line, vars));
      known.emplace_back(line.out, vars[line.out]);
    } catch (...) {
      known.emplace_back(line.out, Tensor());
    }
    lines.push_back(std::move(line));
  }
  return api::print_program(lines);
}

std::vector<std::pair<std::string, Tensor>> names_before(const std::vector<Line>& lines, size_t end) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < end && i < lines.size(); ++i) out.emplace_back(lines[i].out, Tensor());
  return out;
}

std::string fresh_name(const std::vector<Line>& lines) {
  int64_t next = 0;
  for (const Line& l : lines) next = std::max(next, api::parse_int(l.out.substr(1)).value_or(0) + 1);
  return "t" + std::to_string(next);
}

// Edits one line of the program: delete, insert, change an argument, swap the op, rewire a tensor.
std::string mutate_api(std::string_view input, uint64_t seed, size_t max_size) {
  SeededSource src(seed);
  std::vector<Line> lines;
  try {
    lines = api::parse_program(input);
  } catch (const api::Malformed&) {
  }
  if (lines.empty() || src.chance(5)) return generate_api(src);
  const size_t at = src.choose(lines.size());
  Line& line = lines[at];
  switch (src.choose(6)) {
    case 0:
      if (lines.size() > 1) lines.erase(lines.begin() + static_cast<int64_t>(at));
      break;
    case 1:
      if (lines.size() < kMaxLines)
        lines.insert(lines.begin() + static_cast<int64_t>(at),
                     gen_line(src, pick_op(src, false), fresh_name(lines), names_before(lines, at)));
      break;
    case 2:
    case 3: {  // one argument rewritten as the generator would write it, or nudged
      const api::OpSpec* spec = api::find_api_op(line.op);
      if (!spec) break;
      Line fresh = gen_line(src, *spec, line.out, names_before(lines, at));
      if (!fresh.args.empty() && src.chance(70)) {
        const auto& [k, v] = fresh.args[src.choose(fresh.args.size())];
        line.set(k, v);
      } else if (!line.args.empty()) {
        auto& [k, v] = line.args[src.choose(line.args.size())];
        if (auto i = api::parse_int(v)) {
          int64_t nudged;  // unchanged where it would overflow (the generator writes INT64_MIN, INT64_MAX)
          if (__builtin_add_overflow(*i, src.range(-2, 2), &nudged)) nudged = *i;
          v = std::to_string(nudged);
        } else if (src.chance(30))
          line.args.erase(line.args.begin() + static_cast<int64_t>(src.choose(line.args.size())));
      }
      break;
    }
    case 4: {  // another op of the same calling form, with fresh arguments, on the same receiver
      const api::OpSpec* spec = nullptr;
      for (int tries = 0; tries < 8 && (!spec || spec->method == line.self.empty()); ++tries)
        spec = &pick_op(src, false);
      if (!spec || spec->method == line.self.empty()) break;
      Line fresh = gen_line(src, *spec, line.out, names_before(lines, at));
      fresh.self = line.self;
      line = fresh;
      break;
    }
    default: {  // rewire the receiver or a tensor argument
      auto names = names_before(lines, at);
      if (names.empty()) break;
      const std::string other = names[src.choose(names.size())].first;
      if (!line.self.empty() && src.chance(50)) {
        line.self = other;
      } else {
        for (auto& [k, v] : line.args)
          if (api::is_tensor_name(v)) {
            v = other;
            break;
          }
      }
    }
  }
  std::string out = api::print_program(lines);
  return out.size() <= max_size ? out : std::string(input);
}

// Deletes lines, then arguments, then shrinks integers, while the signature holds.
std::string reduce_api(std::string_view input, const Signature& want) {
  std::vector<Line> lines;
  try {
    lines = api::parse_program(input);
  } catch (const api::Malformed&) {
    return std::string(input);
  }
  auto fails = [&](const std::vector<Line>& candidate) {
    Outcome o;
    try {
      o = run_program(candidate);
    } catch (const api::Malformed&) {
      return false;
    }
    return o.kind == Outcome::Found && o.finding.signature == want;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      auto c = lines;
      c.erase(c.begin() + static_cast<int64_t>(i));
      if (!c.empty() && fails(c)) lines = c, progress = true, --i;
    }
    for (size_t i = 0; i < lines.size(); ++i)
      for (size_t a = 0; a < lines[i].args.size(); ++a) {
        auto c = lines;
        c[i].args.erase(c[i].args.begin() + static_cast<int64_t>(a));
        if (fails(c)) lines = c, progress = true, --a;
      }
    for (size_t i = 0; i < lines.size(); ++i)
      for (size_t a = 0; a < lines[i].args.size(); ++a) {
        auto n = api::parse_int(lines[i].args[a].second);
        if (!n || *n == 0) continue;
        for (int64_t smaller : {int64_t{0}, *n / 2, *n > 0 ? *n - 1 : *n + 1}) {
          auto c = lines;
          c[i].args[a].second = std::to_string(smaller);
          if (smaller != *n && fails(c)) {
            lines = c, progress = true;
            break;
          }
        }
      }
  }
  return api::print_program(lines);
}

}  // namespace

const Target kApiTarget = {"api", run_api, generate_api, mutate_api, reduce_api, api_program_size};

}  // namespace anvil::fuzz
