#include "verify/conform/cell_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "engine/ir/buffer.h"
#include "engine/ir/shape.h"
#include "engine/support/error.h"
#include "fuzz/lib/compare.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/tolerance.h"
#include "verify/ref/ref.h"

namespace anvil::conform {
namespace {

// The first element where `got` leaves `want` (the graph fuzzer's rule: poison in `want` accepts
// anything, NaN only NaN, floats within the tolerance), as a Verdict; Ok when none.
Verdict compare(const UOp& root, const std::vector<Value>& want, const Buffer& got, const char* against,
                const std::string& backend) {
  const Scalar s = root.dtype().scalar;
  const Shape& shape = *root.shape();
  if (got.count != want.size() || !(got.dtype == root.dtype())) {
    std::ostringstream msg;
    msg << "against " << against << ": the result has " << got.count << " elements of " << name(got.dtype)
        << ", expected " << want.size() << " of " << name(root.dtype());
    return {Verdict::Fail, msg.str(), "mismatch"};
  }
  fuzz::Tolerance tol{s, fuzz::terms_of(root), 0, fuzz::math_factor(root, backend)};
  if (is_float(s))
    for (const Value& w : want)
      if (!w.poison && std::isfinite(w.f)) tol.scale = std::max(tol.scale, std::fabs(w.f));
  for (size_t i = 0; i < want.size(); ++i) {
    const Value& w = want[i];
    const Value g = got.get(i);
    if (w.poison) continue;
    const bool ok = !g.poison && (is_float(s) ? tol.close(g.f, w.f) : g.i == w.i);
    if (ok) continue;
    std::ostringstream msg;
    msg << "against " << against << ": element " << i << " " << fuzz::index_text(static_cast<int64_t>(i), shape)
        << " of " << name(root.dtype()) << " " << shape_str(shape) << ": got " << fuzz::value_text(s, g) << ", "
        << against << " " << fuzz::value_text(s, w);
    if (is_float(s) && !g.poison) msg << " (tolerance " << tol.bound(w.f) << ", " << tol.terms << " terms)";
    return {Verdict::Fail, msg.str(), g.poison ? "poison" : "mismatch"};
  }
  return {};
}

std::vector<Value> values_of(const Buffer& b) {
  std::vector<Value> out(b.count);
  for (size_t i = 0; i < b.count; ++i) out[i] = b.get(i);
  return out;
}

}  // namespace

Verdict check_case(const UOp& root, const std::string& backend) {
  fuzz::BoundGraph leaves(root);
  ref::Array want;
  try {
    want = ref::evaluate(leaves.root());
  } catch (const Error& e) {
    return {Verdict::Refused, std::string("ref: ") + e.what(), ""};
  }
  std::shared_ptr<Buffer> got;
  try {
    got = fuzz::realize_on(leaves.root(), backend);
  } catch (const Error& e) {
    return {Verdict::Unsupported, e.what(), ""};
  }
  if (want.data.empty()) return {};
  if (!got) return {Verdict::Fail, "against ref: the result has no elements", "mismatch"};
  Verdict v = compare(root, want.data, *got, "ref", backend);
  if (backend == "interp") return v;
  // interp runs the same kernels: agreeing with it separates a backend bug from an engine-wide one.
  std::shared_ptr<Buffer> base;
  try {
    base = fuzz::realize_on(leaves.root(), "interp");
  } catch (const Error& e) {
    if (v.kind == Verdict::Fail) return v;
    return {Verdict::Unsupported, std::string("interp: ") + e.what(), ""};
  }
  if (v.kind == Verdict::Fail) {
    const Verdict on_interp = base ? compare(root, want.data, *base, "ref", "interp") : Verdict{};
    v.message += on_interp.kind == Verdict::Ok
                     ? "\ninterp matches ref here: the backend alone is wrong"
                     : "\ninterp differs from ref too: an engine-wide bug (" + on_interp.message + ")";
    return v;
  }
  return base ? compare(root, values_of(*base), *got, "interp", backend) : Verdict{};
}

}  // namespace anvil::conform
