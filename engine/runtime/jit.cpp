#include "engine/runtime/jit.h"

#include <functional>
#include <unordered_map>

#include "engine/runtime/jit_schedule.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace jit_detail {
namespace {

// A captured graph as a later call's graph is compared with it, node by node and without building a
// renamed copy: the toposort order, each source as a position, each BUFFER as its leaf number (uids in
// first-visit order). Two steps that differ only in their buffers match.
struct Canonical {
  std::vector<UOp> topo;                   // the captured call's graph, sources first
  std::vector<std::vector<uint32_t>> src;  // per node: its sources' positions in topo
  std::vector<int64_t> leaf;               // per node: its leaf number for a BUFFER, else -1
  std::vector<int64_t> leaves;             // the leaves' uids in that call, by leaf number
};

UOp joined(const std::vector<UOp>& roots) {
  return roots.size() == 1 ? roots[0] : UOp::make(Op::SINK, dtypes::void_, roots);
}

// Leaf numbers of a graph's BUFFERs, in the order its toposort first meets each uid.
struct LeafNumbers {
  std::unordered_map<int64_t, int64_t> of_uid;
  std::vector<int64_t> uids;
  int64_t number(const UOp& buffer) {
    const auto [it, fresh] = of_uid.emplace(buffer.arg_ints()[0], static_cast<int64_t>(uids.size()));
    if (fresh) uids.push_back(buffer.arg_ints()[0]);
    return it->second;
  }
};

Canonical canonicalize(const std::vector<UOp>& roots) {
  Canonical c;
  c.topo = joined(roots).toposort();
  std::unordered_map<UOp, uint32_t, UOpHash> at;
  at.reserve(c.topo.size());
  LeafNumbers leaves;
  for (uint32_t i = 0; i < c.topo.size(); ++i) {
    const UOp& u = c.topo[i];
    std::vector<uint32_t> src;
    for (const UOp& s : u.src()) src.push_back(at.at(s));
    c.src.push_back(std::move(src));
    c.leaf.push_back(u.op() == Op::BUFFER ? leaves.number(u) : -1);
    at.emplace(u, i);
  }
  c.leaves = std::move(leaves.uids);
  return c;
}

// Whether `roots` is the captured graph up to its buffers; if so, this call's leaf uids by leaf number.
bool matches(const Canonical& c, const std::vector<UOp>& roots, std::vector<int64_t>& leaf_uids) {
  const std::vector<UOp> topo = joined(roots).toposort();
  if (topo.size() != c.topo.size()) return false;
  std::unordered_map<UOp, uint32_t, UOpHash> at;
  at.reserve(topo.size());
  LeafNumbers leaves;
  for (uint32_t i = 0; i < topo.size(); ++i) {
    const UOp& u = topo[i];
    const UOp& was = c.topo[i];
    if (u.op() != was.op() || u.dtype() != was.dtype() || u.src().size() != c.src[i].size()) return false;
    if (u.op() == Op::BUFFER) {
      if (u.arg_ints()[1] != was.arg_ints()[1] || leaves.number(u) != c.leaf[i]) return false;
    } else if (u != was) {  // the same node: the same arg and, position by position, the same sources
      if (!arg_equal(u.arg(), was.arg())) return false;
      for (size_t k = 0; k < c.src[i].size(); ++k)
        if (at.at(u.src(k)) != c.src[i][k]) return false;
    }
    at.emplace(u, i);
  }
  leaf_uids = std::move(leaves.uids);
  return true;
}

// `root` rebuilt with each BUFFER replaced by leaf(buffer); other nodes keep op, dtype and arg.
template <class Leaf>
UOp map_buffers(const UOp& root, Leaf&& leaf) {
  std::unordered_map<UOp, UOp, UOpHash> renamed;
  for (const UOp& u : root.toposort()) {  // sources first
    if (u.op() == Op::BUFFER) {
      renamed.emplace(u, leaf(u));
      continue;
    }
    std::vector<UOp> src;
    bool same = true;
    for (const UOp& s : u.src()) {
      src.push_back(renamed.at(s));
      same = same && src.back() == s;
    }
    renamed.emplace(u, same ? u : UOp::make(u.op(), u.dtype(), std::move(src), u.arg()));
  }
  return renamed.at(root);
}

UOp buffer_with_uid(const UOp& b, int64_t uid) {
  return UOp::make(Op::BUFFER, b.dtype(), {}, std::vector<int64_t>{uid, b.arg_ints()[1]});
}

// `g` with every BUFFER's uid mapped through `uids` (those absent stay).
UOp rename_buffers(const UOp& g, const std::unordered_map<int64_t, int64_t>& uids) {
  return map_buffers(g, [&](const UOp& b) {
    const auto it = uids.find(b.arg_ints()[0]);
    return it == uids.end() ? b : buffer_with_uid(b, it->second);
  });
}

struct Captured {
  Canonical canonical;
  Schedule schedule;
};

}  // namespace

struct State {
  std::vector<Captured> captured;
  size_t position = 0;  // the next realize of this call
  Jit::Stats stats;
  bool have_signature = false;
  std::vector<std::pair<Shape, DType>> signature;
  std::vector<std::string> devices;

  Schedule schedule(const std::vector<UOp>& roots, const std::function<void()>& before_scheduling);
};

namespace {
thread_local State* g_active = nullptr;

// The captured schedule with this call's leaves for the captured ones and fresh uids for every
// buffer the schedule made (a result keeps its own identity from call to call).
Schedule replay(const Captured& c, const std::vector<int64_t>& leaves) {
  std::unordered_map<int64_t, int64_t> uids;
  for (size_t i = 0; i < leaves.size(); ++i) uids.emplace(c.canonical.leaves[i], leaves[i]);
  Schedule s = c.schedule;
  for (Kernel& k : s.kernels) {
    for (size_t i = 0; i < k.buffers.size(); ++i) {
      const int64_t old = k.buffer_uids[i];
      auto it = uids.find(old);
      if (it == uids.end()) it = uids.emplace(old, new_buffer_uid()).first;
      k.buffer_uids[i] = it->second;
      k.buffers[i] = rename_buffers(k.buffers[i], uids);
    }
  }
  for (UOp& r : s.results) {
    for (const UOp& u : r.toposort())  // a result buffer no kernel wrote (an empty tensor) is fresh too
      if (u.op() == Op::BUFFER && !uids.contains(u.arg_ints()[0])) uids.emplace(u.arg_ints()[0], new_buffer_uid());
    r = rename_buffers(r, uids);
  }
  return s;
}

}  // namespace

Schedule State::schedule(const std::vector<UOp>& roots, const std::function<void()>& before_scheduling) {
  const size_t at = position++;
  std::vector<int64_t> leaves;
  if (at < captured.size() && matches(captured[at].canonical, roots, leaves)) {
    ++stats.replayed;
    return replay(captured[at], leaves);
  }
  if (before_scheduling) before_scheduling();
  Canonical now = canonicalize(roots);
  Schedule s = make_schedule(roots);
  ++stats.scheduled;
  if (at < captured.size()) {  // the step took another path: what followed was captured for the old one
    ++stats.recaptures;
    captured.resize(at);
  }
  captured.push_back(Captured{std::move(now), s});
  return s;
}

State* active() { return g_active; }

Schedule schedule_for_realize(State* jit, const std::vector<UOp>& roots,
                              const std::function<void()>& before_scheduling) {
  if (jit) return jit->schedule(roots, before_scheduling);
  if (before_scheduling) before_scheduling();
  return make_schedule(roots);
}

}  // namespace jit_detail

Jit::Jit(Step step) : step_(std::move(step)), state_(std::make_unique<jit_detail::State>()) {
  if (!step_) (ErrorBuilder("jit") << "needs a step function").raise();
}
Jit::~Jit() = default;

std::vector<Tensor> Jit::operator()(const std::vector<Tensor>& inputs) {
  jit_detail::State& st = *state_;
  if (jit_detail::g_active) (ErrorBuilder("jit") << "a Jit call inside another Jit's step is not supported").raise();
  std::vector<std::pair<Shape, DType>> signature;
  std::vector<std::string> devices;
  for (const Tensor& t : inputs) {
    signature.emplace_back(t.shape(), t.dtype());
    devices.push_back(t.device());
  }
  if (!st.have_signature) {
    st.signature = signature;
    st.devices = devices;
    st.have_signature = true;
  } else if (signature != st.signature || devices != st.devices) {
    ErrorBuilder e("jit");
    e << "inputs differ from the captured call's: expected";
    for (size_t i = 0; i < st.signature.size(); ++i)
      e << (i ? ", " : " ") << name(st.signature[i].second) << shape_str(st.signature[i].first) << "@" << st.devices[i];
    e << "; got";
    for (size_t i = 0; i < signature.size(); ++i)
      e << (i ? ", " : " ") << name(signature[i].second) << shape_str(signature[i].first) << "@" << devices[i];
    (e << " (one Jit per input signature)").raise();
  }
  std::vector<Tensor> in = inputs;
  for (Tensor& t : in) t.realize();  // the step's graphs then start at buffers, as in the captured call
  st.position = 0;
  if (st.stats.calls++ == 0) {  // the plain warm-up call
    std::vector<Tensor> out = step_(in);
    for (Tensor& t : out) t.realize();
    return out;
  }
  struct Active {
    explicit Active(jit_detail::State* s) { jit_detail::g_active = s; }
    ~Active() { jit_detail::g_active = nullptr; }
  } active(&st);
  std::vector<Tensor> out = step_(in);
  for (Tensor& t : out) t.realize();
  if (st.position < st.captured.size()) st.captured.resize(st.position);  // this call realized less
  return out;
}

const Jit::Stats& Jit::stats() const { return state_->stats; }

size_t Jit::captured_kernels() const {
  size_t n = 0;
  for (const auto& c : state_->captured) n += c.schedule.kernels.size();
  return n;
}

}  // namespace anvil
