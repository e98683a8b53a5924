#pragma once
// The api target's input: a small text program of Tensor API calls, one per line, that a person can
// read and the mutator edits:
//   t0 = from shape=[2,3] dtype=float32 seed=7
//   t1 = t0.sum axes=[1,-1] keepdim=1
//   t2 = cat tensors=[t0,t1] axis=0
// Values: integers, floats (2.5, -0.0, inf, nan), true/false, dtypes, names, tensors (tN), lists in
// brackets ([1,-1], [t0,t1], pairs [1:2,0:0], index items [1,::2,None,...,t3]).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/ir/dtype.h"
#include "engine/ir/shape.h"
#include "engine/tensor/tensor.h"

namespace anvil::fuzz::api {

struct Line {
  std::string out;   // the result variable, tN
  std::string self;  // the receiver of a method call; empty for a free function
  std::string op;
  std::vector<std::pair<std::string, std::string>> args;  // key=value, in order

  const std::string* arg(std::string_view key) const;
  void set(const std::string& key, std::string value);
};

// Malformed program text (or a value of the wrong form): the input is rejected, not a finding.
struct Malformed {
  std::string why;
};

std::vector<Line> parse_program(std::string_view text);  // throws Malformed
std::string print_line(const Line& line);
std::string print_program(const std::vector<Line>& lines);

using Vars = std::map<std::string, Tensor>;

// One call's arguments, typed on demand. A missing key gives the default; a value of the wrong
// form throws Malformed. An unknown tensor name is an empty handle (every op on it raises).
class Call {
 public:
  Call(const Line& line, const Vars& vars) : line_(line), vars_(vars) {}
  const Line& line() const { return line_; }
  bool has(std::string_view key) const { return line_.arg(key) != nullptr; }
  Tensor self() const;
  Tensor tensor(std::string_view key) const;
  std::optional<Tensor> opt_tensor(std::string_view key) const;
  std::vector<Tensor> tensors(std::string_view key) const;
  int64_t i(std::string_view key, int64_t def) const;
  std::optional<int64_t> opt_i(std::string_view key) const;
  double f(std::string_view key, double def) const;
  bool flag(std::string_view key, bool def) const;
  std::vector<int64_t> ints(std::string_view key, std::vector<int64_t> def = {}) const;
  std::vector<Range> ranges(std::string_view key) const;
  std::string str(std::string_view key, std::string def) const;
  DType dtype(std::string_view key, DType def) const;
  std::optional<DType> opt_dtype(std::string_view key) const;
  Number number(std::string_view key, Number def) const;
  std::optional<Number> opt_number(std::string_view key) const;
  Operand operand(std::string_view key) const;  // a tensor name or a number (default 1)
  std::optional<Operand> opt_operand(std::string_view key) const;
  std::vector<Operand> operands(std::string_view key) const;
  std::vector<IndexItem> index_items(std::string_view key) const;

 private:
  Tensor lookup(const std::string& name) const;
  const Line& line_;
  const Vars& vars_;
};

// Value parsing shared with the mutator.
bool is_tensor_name(std::string_view v);
std::optional<int64_t> parse_int(std::string_view v);
std::vector<std::string> split_list(std::string_view v);  // "[a,b]" -> {a, b}; throws Malformed

}  // namespace anvil::fuzz::api
