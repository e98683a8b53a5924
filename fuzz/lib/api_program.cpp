#include "fuzz/lib/api_program.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace anvil::fuzz::api {
namespace {

[[noreturn]] void malformed(const std::string& why) { throw Malformed{why}; }

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::optional<double> parse_float(std::string_view v) {
  if (v == "inf") return std::numeric_limits<double>::infinity();
  if (v == "-inf") return -std::numeric_limits<double>::infinity();
  if (v == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (v.empty() || v.size() > 40) return std::nullopt;
  std::string s(v);
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

std::optional<int64_t> parse_opt_int(std::string_view v) {
  if (v.empty()) return std::nullopt;
  auto i = parse_int(v);
  if (!i) malformed("expected an integer or nothing, got '" + std::string(v) + "'");
  return i;
}

}  // namespace

bool is_tensor_name(std::string_view v) {
  return v.size() >= 2 && v[0] == 't' && parse_int(v.substr(1)).has_value() && v[1] != '-';
}

std::optional<int64_t> parse_int(std::string_view v) {
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return out;
}

std::vector<std::string> split_list(std::string_view v) {
  if (v.size() < 2 || v.front() != '[' || v.back() != ']') malformed("expected a [list], got '" + std::string(v) + "'");
  std::vector<std::string> items;
  v = v.substr(1, v.size() - 2);
  if (v.empty()) return items;
  size_t start = 0;
  for (size_t i = 0; i <= v.size(); ++i)
    if (i == v.size() || v[i] == ',') {
      items.emplace_back(v.substr(start, i - start));
      start = i + 1;
    }
  return items;
}

const std::string* Line::arg(std::string_view key) const {
  for (const auto& [k, v] : args)
    if (k == key) return &v;
  return nullptr;
}

void Line::set(const std::string& key, std::string value) {
  for (auto& [k, v] : args)
    if (k == key) {
      v = std::move(value);
      return;
    }
  args.emplace_back(key, std::move(value));
}

std::vector<Line> parse_program(std::string_view text) {
  std::vector<Line> lines;
  std::istringstream in{std::string(text)};
  for (std::string raw; std::getline(in, raw);) {
    if (raw.empty() || raw[0] == '#') continue;
    std::istringstream words(raw);
    std::string out, eq, call;
    if (!(words >> out >> eq >> call) || eq != "=" || !is_tensor_name(out)) malformed("expected 'tN = CALL ...'");
    Line line;
    line.out = out;
    if (size_t dot = call.find('.'); dot != std::string::npos) {
      line.self = call.substr(0, dot);
      line.op = call.substr(dot + 1);
      if (!is_tensor_name(line.self)) malformed("bad receiver '" + line.self + "'");
    } else {
      line.op = call;
    }
    if (!valid_name(line.op)) malformed("bad op name '" + line.op + "'");
    for (std::string word; words >> word;) {
      const size_t e = word.find('=');
      if (e == std::string::npos || !valid_name(word.substr(0, e)) || e + 1 == word.size())
        malformed("expected key=value, got '" + word + "'");
      line.args.emplace_back(word.substr(0, e), word.substr(e + 1));
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string print_line(const Line& line) {
  std::string s = line.out + " = " + (line.self.empty() ? "" : line.self + ".") + line.op;
  for (const auto& [k, v] : line.args) s += " " + k + "=" + v;
  return s;
}

std::string print_program(const std::vector<Line>& lines) {
  std::string s;
  for (const Line& l : lines) s += print_line(l) + "\n";
  return s;
}

Tensor Call::lookup(const std::string& name) const {
  if (!is_tensor_name(name)) malformed("expected a tensor name, got '" + name + "'");
  auto it = vars_.find(name);
  return it == vars_.end() ? Tensor() : it->second;
}

Tensor Call::self() const { return lookup(line_.self); }

Tensor Call::tensor(std::string_view key) const {
  const std::string* v = line_.arg(key);
  return v ? lookup(*v) : Tensor();
}

std::optional<Tensor> Call::opt_tensor(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return tensor(key);
}

std::vector<Tensor> Call::tensors(std::string_view key) const {
  std::vector<Tensor> out;
  if (const std::string* v = line_.arg(key))
    for (const std::string& item : split_list(*v)) out.push_back(lookup(item));
  return out;
}

int64_t Call::i(std::string_view key, int64_t def) const {
  const std::string* v = line_.arg(key);
  if (!v) return def;
  auto i = parse_int(*v);
  if (!i) malformed("expected an integer for " + std::string(key));
  return *i;
}

std::optional<int64_t> Call::opt_i(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return i(key, 0);
}

double Call::f(std::string_view key, double def) const {
  const std::string* v = line_.arg(key);
  if (!v) return def;
  auto d = parse_float(*v);
  if (!d) malformed("expected a number for " + std::string(key));
  return *d;
}

bool Call::flag(std::string_view key, bool def) const {
  const std::string* v = line_.arg(key);
  if (!v) return def;
  if (*v == "1" || *v == "true") return true;
  if (*v == "0" || *v == "false") return false;
  malformed("expected 0 or 1 for " + std::string(key));
}

std::vector<int64_t> Call::ints(std::string_view key, std::vector<int64_t> def) const {
  const std::string* v = line_.arg(key);
  if (!v) return def;
  std::vector<int64_t> out;
  for (const std::string& item : split_list(*v)) {
    auto i = parse_int(item);
    if (!i) malformed("expected integers in " + std::string(key));
    out.push_back(*i);
  }
  return out;
}

std::vector<Range> Call::ranges(std::string_view key) const {
  std::vector<Range> out;
  if (const std::string* v = line_.arg(key))
    for (const std::string& item : split_list(*v)) {
      const size_t c = item.find(':');
      auto a = parse_int(item.substr(0, c)), b = c == std::string::npos ? std::nullopt : parse_int(item.substr(c + 1));
      if (!a || !b) malformed("expected a:b pairs in " + std::string(key));
      out.emplace_back(*a, *b);
    }
  return out;
}

std::string Call::str(std::string_view key, std::string def) const {
  const std::string* v = line_.arg(key);
  return v ? *v : def;
}

DType Call::dtype(std::string_view key, DType def) const { return opt_dtype(key).value_or(def); }

std::optional<DType> Call::opt_dtype(std::string_view key) const {
  const std::string* v = line_.arg(key);
  if (!v) return std::nullopt;
  auto d = parse_dtype(*v);
  if (!d) malformed("expected a dtype for " + std::string(key));
  return d;
}

Number Call::number(std::string_view key, Number def) const { return opt_number(key).value_or(def); }

std::optional<Number> Call::opt_number(std::string_view key) const {
  const std::string* v = line_.arg(key);
  if (!v) return std::nullopt;
  if (*v == "true" || *v == "false") return Number(*v == "true");
  if (auto i = parse_int(*v)) return Number(*i);
  if (auto d = parse_float(*v)) return Number(*d);
  malformed("expected a number for " + std::string(key));
}

Operand Call::operand(std::string_view key) const { return opt_operand(key).value_or(Operand(1)); }

std::optional<Operand> Call::opt_operand(std::string_view key) const {
  const std::string* v = line_.arg(key);
  if (!v) return std::nullopt;
  if (is_tensor_name(*v)) return Operand(lookup(*v));
  return Operand(*opt_number(key));
}

std::vector<Operand> Call::operands(std::string_view key) const {
  std::vector<Operand> out;
  if (const std::string* v = line_.arg(key))
    for (const std::string& item : split_list(*v)) {
      if (is_tensor_name(item)) {
        out.emplace_back(lookup(item));
        continue;
      }
      Line one{"t0", "", "x", {{"v", item}}};
      out.emplace_back(Call(one, vars_).number("v", 0));
    }
  return out;
}

// Items: an integer, None, ..., or start:stop[:step] with any part empty.
std::vector<IndexItem> Call::index_items(std::string_view key) const {
  std::vector<IndexItem> out;
  if (const std::string* v = line_.arg(key))
    for (const std::string& item : split_list(*v)) {
      if (item == "None") {
        out.emplace_back(NewAxis);
      } else if (item == "...") {
        out.emplace_back(Ellipsis);
      } else if (auto i = parse_int(item)) {
        out.emplace_back(*i);
      } else if (is_tensor_name(item)) {  // an integer tensor: advanced indexing
        out.emplace_back(TensorItem(lookup(item)));
      } else {
        std::vector<std::string> parts;
        size_t start = 0;
        for (size_t k = 0; k <= item.size(); ++k)
          if (k == item.size() || item[k] == ':') parts.push_back(item.substr(start, k - start)), start = k + 1;
        if (parts.size() < 2 || parts.size() > 3) malformed("bad index item '" + item + "'");
        Slice s{parse_opt_int(parts[0]), parse_opt_int(parts[1]), std::nullopt};
        if (parts.size() == 3) s.step = parse_opt_int(parts[2]);
        out.emplace_back(s);
      }
    }
  return out;
}

}  // namespace anvil::fuzz::api
