// The parse target: any byte string gets a clean answer from the text form. Either an
// anvil::Error, or a graph that prints and parses back to itself (same nodes, same text), that
// every stage validator and the Graphviz export handle without crashing.
#include <algorithm>
#include <sstream>

#include "engine/ir/dot.h"
#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/support/error.h"
#include "fuzz/lib/case_size.h"
#include "fuzz/lib/gen_expr.h"
#include "fuzz/lib/targets.h"

namespace anvil::fuzz {
namespace {

constexpr size_t kMaxInput = 1 << 16;

Outcome run_parse(std::string_view input) {
  if (input.size() > kMaxInput) return Outcome::rejected();
  std::vector<UOp> roots;
  try {
    roots = parse_text(input, "input");
  } catch (const Error&) {
    return Outcome::ok();  // a clear error is a right answer
  }
  auto found = [&](const char* kind, const std::string& msg) {
    std::string op = roots.empty() ? "-" : std::string(op_name(roots.back().op()));
    return Outcome::found({{"parse", op, "-", kind}, msg});
  };
  const std::string text = to_text(roots);
  std::vector<UOp> again;
  try {
    again = parse_text(text, "printed");
  } catch (const Error& e) {
    return found("roundtrip", std::string("printed text does not parse: ") + e.what() + "\n" + text);
  }
  if (again != roots) return found("roundtrip", "parse(print(g)) != g\n" + text);
  if (to_text(again) != text) return found("roundtrip", "print(parse(t)) != t for printed t\n" + text);
  for (const UOp& r : roots) {
    for (Stage s : {Stage::IntExpr, Stage::Kernel, Stage::Tensor}) (void)validate(r, s);
    (void)to_dot(r);
  }
  (void)validate_program(roots);
  return Outcome::ok();
}

std::string generate_parse(Source& src) { return to_text(gen_int_expr(src).expr); }

// Deletes lines, then characters, while the failure keeps its stage and kind.
std::string reduce_parse(std::string_view input, const Signature& want) {
  auto fails = [&](const std::string& t) {
    Outcome o = run_parse(t);
    return o.kind == Outcome::Found && o.finding.signature.stage == want.stage && o.finding.signature.kind == want.kind;
  };
  std::string text(input);
  for (bool progress = true; progress;) {
    progress = false;
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (size_t i = 0; i < lines.size() && !progress; ++i) {
      std::string candidate;
      for (size_t j = 0; j < lines.size(); ++j)
        if (j != i) candidate += lines[j] + "\n";
      if (fails(candidate)) text = candidate, progress = true;
    }
  }
  return text;
}

}  // namespace

// Byte-level mutation (libFuzzer's own mutators) suits a parser best: mutate stays unused.
const Target kParseTarget = {"parse", run_parse, generate_parse, nullptr, reduce_parse, uop_text_size};

}  // namespace anvil::fuzz
