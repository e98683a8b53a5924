#pragma once
// How big a case is, per kind of input: what `anvil reduce` reports before and after, and what
// the regress and reduce statistics take medians of (Target::size).
#include <cstddef>
#include <string_view>
#include <vector>

namespace anvil::fuzz {

size_t uop_text_size(std::string_view input);     // UOp nodes over all roots; else non-comment lines
size_t move_chain_size(std::string_view input);   // movement steps of a shape case; else UOp nodes
size_t api_program_size(std::string_view input);  // statements of an api program; else lines

// The median of sizes (the mean of the middle two for an even count; 0 for none).
double median_size(std::vector<size_t> sizes);

}  // namespace anvil::fuzz
