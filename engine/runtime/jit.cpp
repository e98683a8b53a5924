#include "engine/runtime/jit.h"

#include <unordered_map>

#include "engine/runtime/jit_schedule.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace jit_detail {
namespace {

// A graph's BUFFER leaves renamed to uids -1, -2, ... in first-visit order, and the real uids in
// that order: two steps that differ only in their buffers have the same canonical graph.
struct Canonical {
  UOp graph;
  std::vector<int64_t> leaves;
};

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

Canonical canonicalize(const UOp& root) {
  Canonical c;
  std::unordered_map<int64_t, int64_t> placeholder;
  c.graph = map_buffers(root, [&](const UOp& b) {
    const int64_t uid = b.arg_ints()[0];
    auto [it, fresh] = placeholder.emplace(uid, -static_cast<int64_t>(c.leaves.size()) - 1);
    if (fresh) c.leaves.push_back(uid);
    return buffer_with_uid(b, it->second);
  });
  return c;
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

  Schedule schedule(const UOp& root);
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

Schedule State::schedule(const UOp& root) {
  Canonical now = canonicalize(root);
  const size_t at = position++;
  if (at < captured.size() && captured[at].canonical.graph == now.graph) {
    ++stats.replayed;
    return replay(captured[at], now.leaves);
  }
  Schedule s = make_schedule({root});
  ++stats.scheduled;
  if (at < captured.size()) {  // the step took another path: what followed was captured for the old one
    ++stats.recaptures;
    captured.resize(at);
  }
  captured.push_back(Captured{std::move(now), s});
  return s;
}

State* active() { return g_active; }

Schedule schedule_for_realize(State* jit, const UOp& root) {
  if (jit) return jit->schedule(root);
  return make_schedule({root});
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
