#include "fuzz/lib/case_size.h"

#include <algorithm>
#include <sstream>
#include <string>

#include "engine/ir/text.h"
#include "engine/support/error.h"
#include "fuzz/lib/api_program.h"
#include "fuzz/lib/shape_target.h"

namespace anvil::fuzz {
namespace {

size_t text_lines(std::string_view input) {
  std::istringstream in{std::string(input)};
  size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t") != std::string::npos && line[line.find_first_not_of(" \t")] != '#') ++n;
  return n;
}

}  // namespace

size_t uop_text_size(std::string_view input) {
  try {
    size_t n = 0;
    for (const UOp& root : parse_text(input)) n += root.toposort().size();
    return n;
  } catch (const Error&) {
    return text_lines(input);  // a parse case may be malformed text: its lines are its size
  }
}

size_t move_chain_size(std::string_view input) {
  if (std::optional<MoveChain> c = parse_chain(input)) return c->steps.size();
  return uop_text_size(input);
}

size_t api_program_size(std::string_view input) {
  try {
    return api::parse_program(input).size();
  } catch (const api::Malformed&) {
    return text_lines(input);
  }
}

double median_size(std::vector<size_t> sizes) {
  if (sizes.empty()) return 0;
  std::sort(sizes.begin(), sizes.end());
  const size_t mid = sizes.size() / 2;
  return sizes.size() % 2 ? static_cast<double>(sizes[mid]) : (static_cast<double>(sizes[mid - 1]) + sizes[mid]) / 2;
}

}  // namespace anvil::fuzz
