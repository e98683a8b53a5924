#include "engine/runtime/interp/program.h"

#include <algorithm>
#include <array>
#include <memory>
#include <sstream>
#include <unordered_map>

#include "engine/support/breadcrumb.h"
#include "engine/support/error.h"
#include "engine/support/mutant.h"

namespace anvil::interp {
namespace {

constexpr int64_t kMaxScratch = int64_t{1} << 28;  // elements of one DEFINE_LOCAL/DEFINE_REG

[[noreturn]] void malformed(const UOp& u, const std::string& why) {
  (ErrorBuilder("interp") << why << ": " << u.brief()).raise();
}

template <class T>
const T& arg_of(const UOp& u, const char* what) {
  const T* v = std::get_if<T>(&u.arg());
  if (!v) malformed(u, std::string("arg is not ") + what);
  return *v;
}

// LOAD(INDEX[, alternative][, deps...]): the deps are void effects that order it; they carry no value.
size_t load_value_count(const UOp& u) {
  size_t n = u.src().size();
  while (n > 1 && u.src(n - 1).dtype().scalar == Scalar::Void) --n;
  return n;
}

// What a pointer node (DEFINE_*, INDEX, CAST of a pointer) evaluates to.
struct Address {
  int mem = -1;                // the memory: buffers first, then scratch
  std::vector<Value> offsets;  // element offsets, one per index lane
  std::vector<Value> gates;    // empty: always on; else one per gate lane
};

struct Slot {
  bool set = false;
  std::vector<Value> lanes;  // a value node's lanes (sized once by validate: runs reuse the storage)
  Address addr;              // a pointer node's address
  Value constant;            // a CONST's value, computed once
  size_t width = 0;          // a value node's lane count; 0 for pointers and effects
};

class Machine {
 public:
  Machine(std::span<const UOp> program, std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars,
          uint64_t max_steps)
      : prog_(program),
        vars_(vars),
        max_steps_(max_steps),
        uid_(program.size(), 0),
        ops_(program.size(), Op::SINK),
        src_begin_(program.size() + 1, 0),
        loop_end_(program.size(), 0),
        match_(program.size(), 0) {
    for (Buffer* b : buffers) mem_.push_back(b);
    n_globals_ = mem_.size();
    validate();
  }

  RunResult run();

 private:
  void validate();
  void validate_node(const UOp& u, Slot& slot, bool first);
  void validate_global(const UOp& u, Slot& slot);

  void exec(size_t& pc);
  void exec_alu_node(size_t pc, const UOp& u, Slot& slot);
  void exec_bitcast_bytes(size_t pc, const UOp& u, Slot& slot);
  void exec_load(size_t pc, const UOp& u, Slot& slot);
  void exec_store(size_t pc, const UOp& u);
  // Source j of the node at position pc: its slot, through the numbering validate made (no lookup by node).
  size_t src_slot(size_t pc, size_t j) const { return src_slots_[src_begin_[pc] + j]; }
  const Slot& slot_of(size_t pc, size_t j) const;
  const std::vector<Value>& lanes_of(size_t pc, size_t j);
  void index_address(size_t pc, const UOp& u, Address& a);
  // Checks one access of `lanes` lanes into where_, gated_off_ and skip_ (skip_[k]: do not touch lane k).
  void access(const UOp& u, const Address& a, size_t lanes);

  void event(EventKind kind, const UOp& at, const std::string& detail);
  std::string loops_text() const;

  std::span<const UOp> prog_;
  const std::map<std::string, int64_t>& vars_;
  uint64_t max_steps_;
  std::vector<Buffer*> mem_;
  size_t n_globals_ = 0;
  std::vector<std::unique_ptr<Buffer>> scratch_;
  // A node may occur more than once (hash-consing makes two loads of one address one node): each
  // occurrence runs, and a use sees the node's latest value. Values live per node, not per position.
  std::unordered_map<UOp, size_t, UOpHash> id_;  // node -> its slot
  std::vector<size_t> uid_;                      // position -> slot
  std::vector<Op> ops_;                          // position -> its op (no call into the node per step)
  std::vector<size_t> src_begin_;                // position -> its first entry in src_slots_
  std::vector<size_t> src_slots_;                // the sources' slots, position by position
  std::vector<Slot> slots_;
  std::vector<int64_t> where_;  // access(): per lane, the element; reused so a step allocates nothing
  std::vector<uint8_t> gated_off_, skip_;
  std::vector<uint8_t> bytes_;      // exec_bitcast_bytes()'s scratch
  std::vector<__int128> loop_end_;  // per RANGE position: its end this time round
  std::vector<size_t> match_;       // RANGE <-> END and IF <-> ENDIF positions
  std::vector<size_t> open_loops_;  // RANGE positions of the loops now running, outermost first
  RunResult result_;
};

// The structure rules of engine/ir/spec.cpp's validate_program, except that a node may occur more
// than once: sources come earlier, blocks nest, and a value that depends on a loop variable is not
// used after that loop's END.
void Machine::validate() {
  std::vector<size_t> open;                // positions of the open RANGEs and IFs
  std::vector<std::vector<size_t>> loops;  // per slot: the RANGE slots its value depends on
  std::vector<int64_t> open_count;         // per slot: how many times a RANGE is open now
  for (size_t i = 0; i < prog_.size(); ++i) {
    const UOp& u = prog_[i];
    if (!u) (ErrorBuilder("interp") << "null node at position " << i).raise();
    std::vector<size_t> deps;
    src_begin_[i] = src_slots_.size();
    for (const UOp& s : u.src()) {
      auto it = id_.find(s);
      if (it == id_.end()) malformed(u, "a source is used before it is defined");
      src_slots_.push_back(it->second);
      if (s.dtype().scalar == Scalar::Void) continue;  // effects order things; they carry no value
      for (size_t r : loops[it->second]) {
        if (open_count[r] == 0) malformed(u, "uses a value that depends on a loop that has ended");
        deps.push_back(r);
      }
    }
    auto [it, first] = id_.emplace(u, slots_.size());
    if (first) {
      slots_.emplace_back();
      const DType dt = u.dtype();
      if (!dt.is_ptr && dt.scalar != Scalar::Void) slots_.back().width = dt.count;
      std::sort(deps.begin(), deps.end());
      deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
      loops.push_back(std::move(deps));
      open_count.push_back(0);
    }
    uid_[i] = it->second;
    ops_[i] = u.op();
    validate_node(u, slots_[uid_[i]], first);
    const Op op = u.op();
    if (op == Op::RANGE || op == Op::IF) {
      for (size_t p : open)
        if (uid_[p] == uid_[i]) malformed(u, "a block is opened again inside itself");
      open.push_back(i);
      if (op == Op::RANGE) {
        if (first) loops[uid_[i]].push_back(uid_[i]);
        ++open_count[uid_[i]];
      }
    }
    if (op == Op::END || op == Op::ENDIF) {
      const Op opener = op == Op::END ? Op::RANGE : Op::IF;
      if (u.src(0).op() != opener)
        malformed(u, std::string(op_name(op)) + " must close a " + std::string(op_name(opener)));
      if (open.empty() || prog_[open.back()] != u.src(0))
        malformed(u, "blocks do not nest: it closes a block that is not the innermost open one");
      const size_t p = open.back();
      open.pop_back();
      match_[p] = i;
      match_[i] = p;
      if (op == Op::END) --open_count[uid_[p]];
    }
    if (op == Op::SINK && i + 1 != prog_.size()) malformed(u, "SINK must be the last node");
  }
  src_begin_[prog_.size()] = src_slots_.size();
  if (!open.empty()) malformed(prog_[open.back()], "a block is never closed");
}

void Machine::validate_node(const UOp& u, Slot& slot, bool first) {
  const DType dt = u.dtype();
  const auto& src = u.src();
  auto need_src = [&](size_t lo, size_t hi) {
    if (src.size() < lo || src.size() > hi) malformed(u, "wrong number of sources");
  };
  auto need_ptr = [&](const UOp& s) {
    if (!s.dtype().is_ptr) malformed(u, "needs a pointer source");
  };
  switch (u.op()) {
    case Op::CONST:
      if (dt.is_ptr || dt.scalar == Scalar::Void) malformed(u, "a constant needs a value dtype");
      if (!std::holds_alternative<int64_t>(u.arg()) && !std::holds_alternative<double>(u.arg()))
        malformed(u, "a constant's arg is a number");
      if (first) slot.constant = const_value(u);
      return;
    case Op::DEFINE_VAR: {
      if (!is_intlike(dt)) malformed(u, "a variable is an integer scalar");
      const VarArg& v = arg_of<VarArg>(u, "a variable");
      auto it = vars_.find(v.name);
      if (it == vars_.end()) malformed(u, "no value for variable " + v.name);
      if (it->second < v.lo || it->second > v.hi)
        malformed(u, "variable " + v.name + " = " + std::to_string(it->second) + " is outside its range");
      return;
    }
    case Op::DEFINE_GLOBAL: validate_global(u, slot); return;
    case Op::DEFINE_LOCAL:
    case Op::DEFINE_REG: {
      arg_of<int64_t>(u, "an int");
      if (!dt.is_ptr || dt.count != 1 || dt.scalar == Scalar::Void) malformed(u, "needs a pointer to scalars");
      if (dt.ptr_size < 0 || dt.ptr_size > kMaxScratch) malformed(u, "needs a size in [0, 2^28]");
      if (!first) return;
      // Uninitialized scratch is poison: reading it before a store shows up in the results.
      auto b = std::make_unique<Buffer>(dt.elem(), static_cast<size_t>(dt.ptr_size));
      std::fill(b->poison.begin(), b->poison.end(), 1);
      slot.addr = Address{static_cast<int>(mem_.size()), {Value::of_int(0)}, {}};
      mem_.push_back(b.get());
      scratch_.push_back(std::move(b));
      return;
    }
    case Op::RANGE:
      if (!is_intlike(dt) || !is_intlike(src[0].dtype())) malformed(u, "a loop runs over an integer scalar");
      return;
    case Op::END: need_src(1, SIZE_MAX); return;
    case Op::IF:
      if (!is_bool(src[0].dtype()) || src[0].dtype().count != 1) malformed(u, "IF needs a bool scalar");
      return;
    case Op::ENDIF:
    case Op::SINK:
    case Op::BARRIER: return;
    case Op::SPECIAL: malformed(u, "SPECIAL (a GPU index) is unsupported in interp");
    case Op::INDEX:
      need_src(2, 3);
      need_ptr(src[0]);
      if (!dt.is_ptr) malformed(u, "INDEX gives a pointer");
      if (!is_int(src[1].dtype().scalar) || src[1].dtype().is_ptr) malformed(u, "an index is an integer");
      if (src.size() == 3 && !is_bool(src[2].dtype())) malformed(u, "a gate is bool");
      return;
    case Op::LOAD: {
      need_src(1, SIZE_MAX);
      need_ptr(src[0]);
      if (dt.is_ptr || dt.scalar != src[0].dtype().scalar) malformed(u, "loads the pointer's element dtype");
      const size_t n_values = load_value_count(u);
      if (n_values > 2) malformed(u, "sources: INDEX[, alternative][, effects it waits for]");
      if (n_values == 2 && !(src[1].dtype() == dt)) malformed(u, "the alternative has the load's dtype");
      return;
    }
    case Op::STORE:
      need_src(2, 2);
      need_ptr(src[0]);
      if (src[1].dtype().is_ptr || src[1].dtype().scalar != src[0].dtype().scalar)
        malformed(u, "stores the pointer's element dtype");
      return;
    case Op::VECTORIZE:
      if (dt.is_ptr || src.size() != dt.count) malformed(u, "VECTORIZE has one scalar source per lane");
      for (const UOp& s : src)
        if (!(s.dtype() == dt.scalar_type())) malformed(u, "VECTORIZE lanes have its scalar dtype");
      return;
    case Op::GEP: {
      const int64_t lane = arg_of<int64_t>(u, "a lane");
      if (dt.is_ptr || dt.count != 1 || src[0].dtype().scalar != dt.scalar || lane < 0 || lane >= src[0].dtype().count)
        malformed(u, "GEP takes one lane of a vector");
      return;
    }
    case Op::CAST:
      if (dt.is_ptr != src[0].dtype().is_ptr) malformed(u, "CAST between a pointer and a value");
      [[fallthrough]];
    case Op::BITCAST:
    default:
      if (in_group(u.op(), opgroup::Alu) || u.op() == Op::BITCAST) {
        if (dt.is_ptr && u.op() != Op::CAST) malformed(u, "ALU ops take values, not pointers");
        for (const UOp& s : src)
          if (s.dtype().is_ptr != dt.is_ptr) malformed(u, "ALU ops take values, not pointers");
        return;
      }
      malformed(u, "not an op of a linear program");
  }
}

void Machine::validate_global(const UOp& u, Slot& slot) {
  const int64_t index = arg_of<int64_t>(u, "a buffer slot");
  const DType dt = u.dtype();
  const std::string what = "buffer " + std::to_string(index);
  if (!dt.is_ptr || dt.count != 1) malformed(u, "DEFINE_GLOBAL needs a pointer to scalars");
  if (index < 0 || static_cast<size_t>(index) >= n_globals_ || !mem_[static_cast<size_t>(index)])
    malformed(u, what + " is missing");
  const Buffer& b = *mem_[static_cast<size_t>(index)];
  if (!(b.dtype == dt.elem())) malformed(u, what + " is " + name(b.dtype));
  if (dt.ptr_size >= 0 && static_cast<size_t>(dt.ptr_size) != b.count)
    malformed(u, what + " has " + std::to_string(b.count) + " elements");
  if (b.bytes.size() != b.count * static_cast<size_t>(itemsize(b.dtype.scalar)) || b.poison.size() != b.count)
    malformed(u, what + ": its bytes or poison mask do not match its count");
  slot.addr = Address{static_cast<int>(index), {Value::of_int(0)}, {}};
}

std::string Machine::loops_text() const {
  if (open_loops_.empty()) return "";
  std::ostringstream os;
  os << " at";
  for (size_t p : open_loops_) {
    const auto* axis = std::get_if<int64_t>(&prog_[p].arg());
    os << " r" << (axis ? *axis : static_cast<int64_t>(p)) << "=" << to_string(slots_[uid_[p]].lanes[0].i);
  }
  return os.str();
}

void Machine::event(EventKind kind, const UOp& at, const std::string& detail) {
  ++result_.event_count;
  if (result_.events.size() < kMaxEvents) result_.events.push_back(Event{kind, at, detail + loops_text()});
}

const Slot& Machine::slot_of(size_t pc, size_t j) const {
  const Slot& slot = slots_[src_slot(pc, j)];
  if (!slot.set) malformed(prog_[pc].src(j), "a value is used before it was computed");
  return slot;
}

const std::vector<Value>& Machine::lanes_of(size_t pc, size_t j) {
  Slot& slot = slots_[src_slot(pc, j)];
  if (slot.set && slot.width != 0 && slot.lanes.size() == slot.width) return slot.lanes;  // the common case
  const UOp& s = prog_[pc].src(j);
  if (!slot.set && !s.dtype().is_ptr && s.dtype().scalar != Scalar::Void) {
    // Defined in a branch not taken or a loop that ran no iteration: the value is poison.
    slot.lanes.assign(s.dtype().count, Value::make_poison());
    slot.set = true;
  }
  if (!slot.set) malformed(s, "a value is used before it was computed");
  if (slot.lanes.size() != s.dtype().count) malformed(s, "used as a value, but it has none");
  return slot.lanes;
}

RunResult Machine::run() {
  const breadcrumb::OpScope crumb;  // a crash names the instruction it ran
  size_t pc = 0;
  while (pc < prog_.size()) {
    const Op op = ops_[pc];
    if (op == Op::SINK) break;
    breadcrumb::set_op(op_name(op).data());
    if (result_.steps >= max_steps_) {
      event(EventKind::StepLimit, prog_[pc], "stopped after " + std::to_string(result_.steps) + " steps");
      break;
    }
    ++result_.steps;
    exec(pc);
  }
  return std::move(result_);
}

void Machine::exec(size_t& pc) {
  const UOp& u = prog_[pc];
  Slot& slot = slots_[uid_[pc]];
  const size_t after_block = match_[pc] + 1;  // RANGE and IF: the node after their END / ENDIF
  switch (ops_[pc]) {
    case Op::CONST: slot.lanes.assign(u.dtype().count, slot.constant); break;
    case Op::DEFINE_VAR: {
      const Value v = Value::of_int(vars_.at(u.arg_var().name));
      const Scalar from[] = {Scalar::Int64};
      slot.lanes.assign(1, exec_alu(Op::CAST, u.dtype().scalar, from, std::span<const Value>(&v, 1)));
      break;
    }
    case Op::DEFINE_GLOBAL:
    case Op::DEFINE_LOCAL:
    case Op::DEFINE_REG:
    case Op::ENDIF:
    case Op::BARRIER: break;  // one thread: a barrier orders nothing
    case Op::RANGE: {
      const Value end = lanes_of(pc, 0)[0];
      if (end.poison) event(EventKind::PoisonBound, u, "the loop end is poison; the loop is skipped");
      if (end.poison || end.i <= 0) {
        pc = after_block;
        return;
      }
      loop_end_[pc] = end.i;
      slot.lanes.assign(1, Value::of_int(0));
      open_loops_.push_back(pc);
      break;
    }
    case Op::END: {
      const size_t r = match_[pc];
      Slot& counter = slots_[uid_[r]];
      const __int128 next = counter.lanes[0].i + 1;
      if (next < loop_end_[r] + (ANVIL_MUTANT(17) ? 1 : 0)) {
        counter.lanes[0] = Value::of_int(next);
        pc = r + 1;
        return;
      }
      open_loops_.pop_back();
      break;
    }
    case Op::IF: {
      const Value c = lanes_of(pc, 0)[0];
      if (c.poison) event(EventKind::PoisonBranch, u, "the condition is poison; the branch is skipped");
      if (c.poison || c.i == 0) {
        pc = after_block;
        return;
      }
      break;
    }
    case Op::INDEX: index_address(pc, u, slot.addr); break;
    case Op::LOAD: exec_load(pc, u, slot); break;
    case Op::STORE: exec_store(pc, u); break;
    case Op::VECTORIZE:
      slot.lanes.resize(u.src().size());
      for (size_t j = 0; j < u.src().size(); ++j) slot.lanes[j] = lanes_of(pc, j)[0];
      break;
    case Op::GEP: {
      const Value lane = lanes_of(pc, 0)[static_cast<size_t>(u.arg_int())];
      slot.lanes.assign(1, lane);
      break;
    }
    default: exec_alu_node(pc, u, slot); break;
  }
  slot.set = true;
  ++pc;
}

void Machine::exec_alu_node(size_t pc, const UOp& u, Slot& slot) {
  const DType dt = u.dtype();
  if (u.op() == Op::CAST && dt.is_ptr) {  // a pointer cast keeps the address; the element type must stay
    if (dt.scalar != u.src(0).dtype().scalar) malformed(u, "a pointer cast may not change the element type");
    slot.addr = slot_of(pc, 0).addr;
    return;
  }
  if (u.op() == Op::BITCAST && (dt.count != 1 || u.src(0).dtype().count != 1)) {
    exec_bitcast_bytes(pc, u, slot);
    return;
  }
  std::array<Scalar, 3> types{};
  std::array<const Value*, 3> in_lanes{};
  const size_t n = u.src().size();
  if (n > types.size()) malformed(u, "too many sources");
  for (size_t j = 0; j < n; ++j) {
    const DType sd = u.src(j).dtype();
    if (sd.count != dt.count) malformed(u, "sources and result differ in lane count");
    types[j] = sd.scalar;
    in_lanes[j] = lanes_of(pc, j).data();
  }
  slot.lanes.resize(dt.count);  // sized once: no allocation after the first run of the node
  std::array<Value, 3> in{};
  for (size_t k = 0; k < dt.count; ++k) {
    for (size_t j = 0; j < n; ++j) in[j] = in_lanes[j][k];
    try {
      slot.lanes[k] =
          exec_alu(u.op(), dt.scalar, std::span<const Scalar>(types.data(), n), std::span<const Value>(in.data(), n));
    } catch (const Error& e) {
      malformed(u, e.message());
    }
  }
}

// A BITCAST that regroups lanes (float32x2 <-> int64, int8x4 <-> int32): through little-endian bytes.
void Machine::exec_bitcast_bytes(size_t pc, const UOp& u, Slot& slot) {
  const DType to = u.dtype(), from = u.src(0).dtype();
  if (to.scalar == Scalar::Void || from.scalar == Scalar::Void || itemsize(to) != itemsize(from))
    malformed(u, "BITCAST between different widths");
  const std::vector<Value>& in = lanes_of(pc, 0);
  for (const Value& v : in)
    if (v.poison) {  // poison in any byte: every lane that could hold it is poison
      slot.lanes.assign(to.count, Value::make_poison());
      return;
    }
  bytes_.clear();
  const int in_size = itemsize(from.scalar), out_size = itemsize(to.scalar);
  for (const Value& v : in) {
    const uint64_t raw = value_bits(from.scalar, v);
    for (int k = 0; k < in_size; ++k) bytes_.push_back(static_cast<uint8_t>(raw >> (8 * k)));
  }
  slot.lanes.resize(to.count);
  for (size_t lane = 0; lane < to.count; ++lane) {
    uint64_t raw = 0;
    for (int k = 0; k < out_size; ++k) raw |= static_cast<uint64_t>(bytes_[lane * out_size + k]) << (8 * k);
    slot.lanes[lane] = value_from_bits(to.scalar, raw);
  }
}

// Writes into the INDEX node's own address (its vectors keep their capacity from run to run).
void Machine::index_address(size_t pc, const UOp& u, Address& a) {
  const Address& base = slot_of(pc, 0).addr;
  if (base.mem < 0 || base.offsets.size() != 1 || !base.gates.empty())
    malformed(u, "INDEX needs a plain pointer (a DEFINE_*, or an ungated scalar INDEX)");
  const Value b = base.offsets[0];
  const int mem = base.mem;
  const std::vector<Value>& idx = lanes_of(pc, 1);
  a.mem = mem;
  a.offsets.resize(idx.size());
  for (size_t k = 0; k < idx.size(); ++k)
    a.offsets[k] = b.poison || idx[k].poison ? Value::make_poison() : Value::of_int(b.i + idx[k].i);
  if (u.src().size() == 3)
    a.gates = lanes_of(pc, 2);
  else
    a.gates.clear();
}

void Machine::access(const UOp& u, const Address& a, size_t n) {
  if (a.mem < 0) malformed(u, "accesses memory through a pointer with no address");
  if ((a.offsets.size() != 1 && a.offsets.size() != n) || (a.gates.size() > 1 && a.gates.size() != n))
    malformed(u, "the index lanes do not match the access lanes");
  const Buffer& b = *mem_[static_cast<size_t>(a.mem)];
  if (b.dtype.scalar != u.src(0).dtype().scalar) malformed(u, "the pointer's element type is not its memory's");
  where_.assign(n, 0);
  gated_off_.assign(n, 0);
  skip_.assign(n, 1);
  auto describe = [&](size_t k) {
    std::ostringstream os;
    os << (static_cast<size_t>(a.mem) < n_globals_ ? "buffer " : "scratch ") << a.mem << " (" << name(b.dtype) << "["
       << b.count << "]), lane " << k;
    return os.str();
  };
  for (size_t k = 0; k < n; ++k) {
    const Value gate = a.gates.empty() ? Value::of_int(1) : a.gates[a.gates.size() == 1 ? 0 : k];
    Value off = a.offsets[a.offsets.size() == 1 ? 0 : k];
    if (!off.poison && a.offsets.size() == 1) off = Value::of_int(off.i + static_cast<__int128>(k));
    if (gate.poison) {
      event(EventKind::PoisonAddress, u, "the gate is poison: " + describe(k));
      continue;
    }
    if (gate.i == 0) {
      gated_off_[k] = 1;
      continue;
    }
    if (off.poison) {
      event(EventKind::PoisonAddress, u, "the index is poison: " + describe(k));
      continue;
    }
    if (off.i < 0 || off.i >= static_cast<__int128>(b.count)) {
      event(EventKind::OutOfBounds, u, "element " + to_string(off.i) + " is out of bounds: " + describe(k));
      continue;
    }
    where_[k] = static_cast<int64_t>(off.i);
    skip_[k] = 0;
  }
}

void Machine::exec_load(size_t pc, const UOp& u, Slot& slot) {
  const size_t n = u.dtype().count;
  const Address& a = slot_of(pc, 0).addr;
  access(u, a, n);
  const Buffer& b = *mem_[static_cast<size_t>(a.mem)];
  const Value* alt = load_value_count(u) == 2 ? lanes_of(pc, 1).data() : nullptr;
  slot.lanes.assign(n, Value::make_poison());  // a skipped lane, or a gated-off one without an alternative
  for (size_t k = 0; k < n; ++k) {
    if (gated_off_[k] && alt) slot.lanes[k] = alt[k];
    if (!skip_[k]) slot.lanes[k] = b.get(static_cast<size_t>(where_[k]));
  }
}

void Machine::exec_store(size_t pc, const UOp& u) {
  const std::vector<Value>& value = lanes_of(pc, 1);
  const Address& a = slot_of(pc, 0).addr;
  access(u, a, value.size());
  Buffer& b = *mem_[static_cast<size_t>(a.mem)];
  for (size_t k = 0; k < value.size(); ++k)
    if (!skip_[k]) b.set(static_cast<size_t>(where_[k]), value[k]);
}

}  // namespace

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::OutOfBounds: return "out-of-bounds";
    case EventKind::PoisonAddress: return "poison-address";
    case EventKind::PoisonBranch: return "poison-branch";
    case EventKind::PoisonBound: return "poison-bound";
    case EventKind::StepLimit: return "step-limit";
  }
  return "?";
}

RunResult run_program(std::span<const UOp> program, std::span<Buffer* const> buffers,
                      const std::map<std::string, int64_t>& vars, uint64_t max_steps) {
  Machine m(program, buffers, vars, max_steps);
  return m.run();
}

}  // namespace anvil::interp
