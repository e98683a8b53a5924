#include "fuzz/lib/graph_target.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <unordered_map>

#include "engine/ir/buffer.h"
#include "engine/ir/shape.h"
#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "engine/support/env.h"
#include "engine/support/error.h"
#include "engine/tensor/device.h"
#include "engine/tensor/storage.h"
#include "fuzz/lib/case_size.h"
#include "fuzz/lib/compare.h"
#include "fuzz/lib/gen_tensor.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/tolerance.h"
#include "fuzz/lib/worker.h"
#include "verify/ref/ref.h"

namespace anvil::fuzz {
namespace {

constexpr size_t kMaxInput = 1 << 16;
constexpr int64_t kMaxNodeElements = 1 << 14;
constexpr int64_t kMaxTotalElements = 1 << 17;

std::atomic<uint64_t> g_checks, g_rejected, g_elements, g_nan, g_poison;

bool tensor_op(Op op) {
  if (op == Op::CONST || op == Op::BUFFER || op == Op::REDUCE_AXIS || op == Op::CONTIGUOUS || op == Op::DETACH ||
      op == Op::BITCAST)  // Tensor::bitcast
    return true;
  if (in_group(op, opgroup::Movement)) return true;
  return in_group(op, opgroup::Alu) && op != Op::MULACC;
}

bool tensor_dtype(const DType& d) {
  return !d.is_ptr && d.count == 1 && d.scalar != Scalar::Void && d.scalar != Scalar::Index;
}

Finding finding(const UOp& root, const std::string& backend, const char* kind, const std::string& msg) {
  return Finding{{"graph", std::string(op_name(root.op())), backend, kind}, msg + "\ngraph:\n" + to_text(root)};
}

std::optional<Finding> compare(const UOp& root, const std::string& backend, const ref::Array& want, const Buffer& got) {
  const Scalar s = root.dtype().scalar;
  const Shape& shape = *root.shape();
  Tolerance tol{s, terms_of(root), 0, math_factor(root, backend)};
  if (is_float(s))
    for (const Value& w : want.data)
      if (!w.poison && std::isfinite(w.f)) tol.scale = std::max(tol.scale, std::fabs(w.f));
  uint64_t nan = 0, poison = 0;
  std::optional<Finding> out;
  for (size_t i = 0; i < want.data.size() && !out; ++i) {
    const Value& w = want.data[i];
    const Value g = got.get(i);
    if (w.poison) {
      ++poison;
      continue;  // any value refines poison
    }
    if (is_float(s) && std::isnan(w.f)) ++nan;
    bool ok;
    if (g.poison)
      ok = false;
    else if (is_float(s))
      ok = tol.close(g.f, w.f);
    else
      ok = g.i == w.i;
    if (ok) continue;
    std::ostringstream msg;
    msg << "element " << i << " " << index_text(static_cast<int64_t>(i), shape) << " of " << name(root.dtype()) << " "
        << shape_str(shape) << ": engine " << value_text(s, g) << ", ref " << value_text(s, w);
    if (is_float(s) && !g.poison) msg << " (tolerance " << tol.bound(w.f) << ", " << tol.terms << " terms)";
    out = finding(root, backend, g.poison ? "poison" : "mismatch", msg.str());
  }
  g_elements += want.data.size();
  g_nan += nan;
  g_poison += poison;
  return out;
}

void print_stats_at_exit() { std::fprintf(stderr, "graph target: %s\n", graph_stats().str().c_str()); }

Outcome run_graph(std::string_view input) {
  static const bool stats = [] {
    if (std::getenv("ANVIL_GRAPH_STATS")) std::atexit(print_stats_at_exit);
    return true;
  }();
  (void)stats;
  UOp root;
  if (input.size() <= kMaxInput) {
    try {
      root = parse_one(input);
    } catch (const Error&) {
    }
  }
  if (!root || !graph_acceptable(root)) {
    ++g_rejected;
    return Outcome::rejected();
  }
  return check_graph(root);
}

// The backends a graph is checked on: every registered one (install_backends registers each built-in
// backend usable here), or those ANVIL_FUZZ_BACKENDS lists (comma-separated), e.g. "interp,llvm".
std::vector<std::string> graph_backends() {
  static const bool installed = [] {
    install_backends();
    return true;
  }();
  (void)installed;
  std::vector<std::string> all = registered_backends();
  const std::string wanted = env_string("ANVIL_FUZZ_BACKENDS");
  if (wanted.empty()) return all;
  std::vector<std::string> picked;
  for (const std::string& b : all)
    if (("," + wanted + ",").find("," + b + ",") != std::string::npos) picked.push_back(b);
  return picked;
}

std::string generate_graph(Source& src) {
  install_interp_realizer();
  return to_text(renumber_buffers(gen_tensor_program(src).uop()));
}

}  // namespace

std::string value_text(Scalar s, const Value& v) {
  if (v.poison) return "poison";
  std::ostringstream os;
  if (is_float(s)) {
    os.precision(17);
    os << v.f;
    char bits[32];
    std::snprintf(bits, sizeof bits, " (0x%llx)", static_cast<unsigned long long>(value_bits(s, v)));
    os << bits;
  } else {
    os << to_string(v.i);
  }
  return os.str();
}

std::string GraphStats::str() const {
  std::ostringstream os;
  const double n = elements ? static_cast<double>(elements) : 1;
  os << checks << " checks, " << rejected << " rejected inputs, " << elements << " output elements, "
     << 100.0 * static_cast<double>(nan) / n << "% NaN, " << 100.0 * static_cast<double>(poison) / n << "% poison";
  return os.str();
}

GraphStats graph_stats() { return {g_checks, g_rejected, g_elements, g_nan, g_poison}; }

bool graph_acceptable(const UOp& root) {
  if (validate(root, Stage::Tensor)) return false;
  int64_t total = 0;
  for (const UOp& u : root.toposort()) {
    if (!tensor_op(u.op()) || !tensor_dtype(u.dtype()) || !u.shape()) return false;
    const int64_t n = shape_numel(*u.shape());
    if (n < 0 || n > kMaxNodeElements || (total += n) > kMaxTotalElements) return false;
    if (u.op() == Op::BUFFER && (u.arg_ints()[1] != n || n > kMaxNodeElements)) return false;
  }
  return true;
}

Outcome check_graph(const UOp& root) {
  const std::vector<std::string> backends = graph_backends();
  BoundGraph leaves(root);
  ref::Array want;
  try {
    want = ref::evaluate(leaves.root());
  } catch (const Error&) {
    ++g_rejected;
    return Outcome::rejected();  // a mutant ref gives no meaning to (an op its dtype lacks): nothing to compare
  }
  ++g_checks;
  KernelWorker* worker = campaign_worker();
  const std::string text = worker ? to_text(root) : std::string();
  for (const std::string& backend : backends) {
    std::shared_ptr<Buffer> got;
    if (worker && worker_runs(backend)) {
      const KernelReply reply = worker->run(backend, text);
      if (reply.status == KernelReply::Error)
        return Outcome::found(finding(root, backend, "error", "the engine raised: " + reply.message));
      if (reply.status != KernelReply::Ok) {  // crash, timeout, oom
        Finding f = finding(root, backend, status_name(reply.status), reply.message);
        if (!reply.op.empty()) f.signature.op = reply.op;
        return Outcome::found(f);
      }
      got = reply.result;
    } else {
      try {
        got = realize_on(leaves.root(), backend);
      } catch (const Error& e) {
        return Outcome::found(finding(root, backend, "error", std::string("the engine raised: ") + e.what()));
      }
    }
    if (want.data.empty()) continue;
    if (!got || got->count != want.data.size() || !(got->dtype == root.dtype()))
      return Outcome::found(finding(root, backend, "mismatch", "the engine's result has the wrong size or dtype"));
    if (auto f = compare(root, backend, want, *got)) return Outcome::found(*f);
  }
  return Outcome::ok();
}

std::shared_ptr<Buffer> realize_on(const UOp& bound, const std::string& backend) {
  UOp buf = tensor_detail::find_backend("graph", backend)(bound);
  while (buf.op() == Op::RESHAPE) buf = UOp(buf.src(0));
  if (buf.arg_ints()[1] == 0) return nullptr;
  const int64_t uid = buf.arg_ints()[0];
  std::shared_ptr<Buffer> out = storage_of(uid);
  // An output's storage goes with `out`; a leaf's stays registered for the next backend (BoundGraph
  // holds leaves by uid only, so claiming one would free it with `out`).
  bool leaf = false;
  for (const UOp& u : bound.toposort()) leaf = leaf || (u.op() == Op::BUFFER && u.arg_ints()[0] == uid);
  if (!leaf) (void)claim_storage(uid);
  return out;
}

const Target kGraphTarget = {"graph", run_graph, generate_graph, mutate_graph, reduce_graph, uop_text_size};

}  // namespace anvil::fuzz
