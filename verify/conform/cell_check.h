#pragma once
// One case of a conformance cell: a tensor graph (BUFFER leaves with text uids, bound by the graph
// target's rule) realized on a backend and compared with ref and with interp.
#include <string>

#include "engine/ir/uop.h"

namespace anvil::conform {

struct Verdict {
  enum Kind { Ok, Fail, Unsupported, Refused } kind = Ok;
  std::string message;
  std::string kind_name;  // for failures: mismatch, poison, size (the regress signature's kind)
};

// `root` must be graph_acceptable (fuzz/lib/graph_target.h).
Verdict check_case(const UOp& root, const std::string& backend);

}  // namespace anvil::conform
