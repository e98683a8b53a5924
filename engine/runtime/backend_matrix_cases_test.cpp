// The programs of the backend matrix (backend_matrix_cases.h).
#include "engine/runtime/backend_matrix_cases.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "engine/support/error.h"

namespace anvil::matrix {
namespace {

Scalar storage(Scalar s) { return s == Scalar::Index ? Scalar::Int64 : s; }

UOp global(int64_t slot, Scalar elem, int64_t n) {
  return UOp::make(Op::DEFINE_GLOBAL, DType(elem).ptr(AddrSpace::Global, n), {}, slot);
}
UOp idx(int64_t v) { return UOp::constant(dtypes::index, v); }
UOp range(const UOp& end, int64_t axis) { return UOp::make(Op::RANGE, end.dtype(), {end}, axis); }
UOp end(const UOp& r, std::vector<UOp> inside) {
  inside.insert(inside.begin(), r);
  return UOp::make(Op::END, dtypes::void_, inside);
}
UOp index(const UOp& ptr, const UOp& i) { return UOp::make(Op::INDEX, ptr.dtype(), {ptr, i}); }
UOp index(const UOp& ptr, const UOp& i, const UOp& gate) { return UOp::make(Op::INDEX, ptr.dtype(), {ptr, i, gate}); }
UOp load(const UOp& at) { return UOp::make(Op::LOAD, at.dtype().elem(), {at}); }
UOp store(const UOp& at, const UOp& v) { return UOp::make(Op::STORE, dtypes::void_, {at, v}); }
UOp sink(const UOp& last) { return UOp::make(Op::SINK, dtypes::void_, {last}); }

// Edge values of each dtype, as int64 bit patterns (integers) or doubles (floats).
std::vector<int64_t> int_edges(Scalar s) {
  if (is_float(s)) return {};
  if (s == Scalar::Bool) return {0, 1};
  const int64_t w = s == Scalar::Index ? 64 : bits(s);
  const auto lo = static_cast<int64_t>(int_min(s)), hi = static_cast<int64_t>(static_cast<uint64_t>(int_max(s)));
  std::vector<int64_t> v = {0, 1, 2, 3, 7, 8, w - 1, w, w + 1, 100, lo, hi, hi - 1, hi / 2 + 1};
  if (is_unsigned(s)) return v;
  for (int64_t x : {-1, -2, -3, -8, -100}) v.push_back(x);
  v.push_back(lo + 1);
  return v;
}

std::vector<double> float_edges(Scalar s) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> v = {0.0,  -0.0, 1.0,   -1.0, 0.5,     -1.5, 2.5,  3.0,
                           -7.0, 0.1,  100.0, -1e5, 3.14159, inf,  -inf, std::numeric_limits<double>::quiet_NaN()};
  switch (s) {  // the smallest subnormal, the smallest normal and the largest finite value of s
    case Scalar::Float16: v.insert(v.end(), {0x1p-24, 0x1p-14, 65504.0, -65504.0}); break;
    case Scalar::BFloat16: v.insert(v.end(), {0x1p-133, 0x1p-126, 0x1.fep127, -0x1.fep127}); break;
    case Scalar::Float32: v.insert(v.end(), {0x1p-149, 0x1p-126, 0x1.fffffep127, -0x1.fffffep127}); break;
    default: v.insert(v.end(), {0x1p-1074, 0x1p-1022, 0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023}); break;
  }
  return v;
}

// Values that stress conversions: every integer type's limits and the float rounding boundaries.
std::vector<double> cast_float_edges(Scalar s) {
  std::vector<double> v = float_edges(s);
  for (double x :
       {127.5,   128.0,        -128.9, 255.9,   256.0,          32767.5,      -32769.0, 65519.0,       65520.0,
        65536.0, 2147483520.0, 0x1p31, -0x1p31, -0x1.000002p31, 4294967040.0, 0x1p32,   0x1.fffffep62, 0x1p63,
        -0x1p63, 0x1p64,       1e30,   -0.5,    0.99,           -0.99,        1e300})
    v.push_back(x);
  return v;
}
std::vector<int64_t> cast_int_edges(Scalar s) {
  if (is_float(s)) return {};
  std::vector<int64_t> v = int_edges(s);
  for (int64_t x : std::initializer_list<int64_t>{127,
                                                  128,
                                                  255,
                                                  256,
                                                  -129,
                                                  32767,
                                                  32768,
                                                  65519,
                                                  65520,
                                                  65535,
                                                  65536,
                                                  (1LL << 24) + 1,
                                                  (1LL << 25) + (1LL << 17) + 1,
                                                  INT32_MAX,
                                                  (1LL << 31),
                                                  (1LL << 32) - 1,
                                                  (1LL << 53) + 1,
                                                  (1LL << 60) + (1LL << 52) + 1,
                                                  INT64_MAX,
                                                  INT64_MIN,
                                                  -3,
                                                  -(1LL << 40)})
    v.push_back(x);
  return v;
}

Buffer make_buffer(Scalar s, const std::vector<int64_t>& ints, const std::vector<double>& floats,
                   const std::vector<size_t>& pick) {
  const DType d(storage(s));
  if (is_float(s)) {
    std::vector<double> v;
    for (size_t k : pick) v.push_back(floats[k]);
    return Buffer::from_floats(d, v);
  }
  std::vector<int64_t> v;
  for (size_t k : pick) v.push_back(ints[k]);
  return Buffer::from_ints(d, v);
}

// Whether interp defines `op` with result `out` on operands of type `in` (exec_alu would refuse).
bool defined(Op op, Scalar out, const std::vector<Scalar>& in) {
  std::vector<Value> vals;
  for (Scalar s : in) vals.push_back(is_float(s) ? Value::of_float(1.0) : Value::of_int(1));
  try {
    exec_alu(op, out, in, vals);
    return true;
  } catch (const Error&) {
    return false;
  }
}

const Op kAluOps[] = {Op::NEG, Op::NOT, Op::RECIP, Op::SQRT,  Op::EXP2,     Op::LOG2,     Op::SIN,      Op::TRUNC,
                      Op::ADD, Op::SUB, Op::MUL,   Op::FDIV,  Op::TRUNCDIV, Op::TRUNCMOD, Op::FLOORDIV, Op::FLOORMOD,
                      Op::MAX, Op::MIN, Op::CMPLT, Op::CMPLE, Op::CMPEQ,    Op::CMPNE,    Op::AND,      Op::OR,
                      Op::XOR, Op::SHL, Op::SHR,   Op::WHERE, Op::MULACC};

// Builds the kernel: one loop over n elements; each input loaded (index: as int64, then CAST),
// each output computed by `make` from the loaded values and stored (index results CAST to int64).
struct KernelBuilder {
  std::vector<UOp> prog;
  std::vector<UOp> stores;
  UOp r;
  UOp add(const UOp& u) {
    prog.push_back(u);
    return u;
  }
  UOp load_input(int64_t slot, Scalar s, int64_t n) {
    const UOp g = add(global(slot, storage(s), n));
    const UOp at = add(index(g, r));
    UOp x = add(load(at));
    if (s == Scalar::Index) x = add(x.cast(dtypes::index));
    return x;
  }
  void store_output(const UOp& g, UOp value) {
    add(value);
    if (value.dtype().scalar == Scalar::Index) value = add(value.cast(dtypes::int64));
    const UOp at = add(index(g, r));
    stores.push_back(add(store(at, value)));
  }
  void finish() {
    const UOp e = add(end(r, stores));
    add(sink(e));
  }
};

std::string value_text(const Buffer& b, size_t i) {
  std::ostringstream os;
  const Value v = b.get(i);
  if (is_float(b.dtype.scalar))
    os << v.f;
  else
    os << to_string(v.i);
  return os.str();
}

}  // namespace

std::vector<Scalar> all_scalars() {
  return {Scalar::Bool,     Scalar::Int8,    Scalar::Int16,   Scalar::Int32,  Scalar::Int64,
          Scalar::UInt8,    Scalar::UInt16,  Scalar::UInt32,  Scalar::UInt64, Scalar::Float16,
          Scalar::BFloat16, Scalar::Float32, Scalar::Float64, Scalar::Index};
}

std::string ElementwiseCase::describe_inputs(const std::vector<Buffer>& bufs, size_t i) const {
  std::string s = "(";
  for (size_t b = outputs.size(); b < bufs.size(); ++b) s += (b > outputs.size() ? ", " : "") + value_text(bufs[b], i);
  return s + ")";
}

ElementwiseCase alu_case(Scalar s) {
  ElementwiseCase c;
  const std::vector<int64_t> ints = int_edges(s);
  const std::vector<double> floats = float_edges(s);
  const size_t e = is_float(s) ? floats.size() : ints.size(), n = e * e;
  for (Op op : kAluOps) {
    const int arity = op_arity(op);
    const bool cmp = in_group(op, opgroup::Compare);
    std::vector<Scalar> in(static_cast<size_t>(arity), s);
    if (op == Op::WHERE) in[0] = Scalar::Bool;
    const Scalar out = cmp ? Scalar::Bool : s;
    if (!defined(op, out, in)) continue;
    c.outputs.push_back({op, out, std::string(op_name(op)) + " " + name(s)});
    // The same value widened: a stored result is rounded by the store, an intermediate one is not.
    if (is_float(out) && out != Scalar::Float64)
      c.outputs.push_back({op, out, std::string(op_name(op)) + " " + name(s) + " (as float64)", true});
  }
  if (c.outputs.empty()) return c;
  std::vector<size_t> pa, pb, pc;
  std::vector<int64_t> cond;
  for (size_t i = 0; i < n; ++i) {
    pa.push_back(i / e);
    pb.push_back(i % e);
    pc.push_back((i * 7 + 3) % e);
    cond.push_back(i % 3 == 0);
  }
  for (const Output& o : c.outputs) c.buffers.emplace_back(DType(storage(o.computed())), n);
  c.buffers.push_back(make_buffer(s, ints, floats, pa));
  c.buffers.push_back(make_buffer(s, ints, floats, pb));
  c.buffers.push_back(make_buffer(s, ints, floats, pc));
  c.buffers.push_back(Buffer::from_ints(dtypes::bool_, cond));

  KernelBuilder k;
  const auto slots = static_cast<int64_t>(c.outputs.size());
  std::vector<UOp> outs;
  for (int64_t o = 0; o < slots; ++o) outs.push_back(k.add(global(o, storage(c.outputs[o].computed()), n)));
  const UOp count = k.add(idx(static_cast<int64_t>(n)));
  k.r = k.add(range(count, 0));
  const UOp a = k.load_input(slots, s, n), b = k.load_input(slots + 1, s, n), cc = k.load_input(slots + 2, s, n);
  const UOp p = k.load_input(slots + 3, Scalar::Bool, n);
  for (size_t o = 0; o < c.outputs.size(); ++o) {
    const Op op = c.outputs[o].op;
    std::vector<UOp> src = {a, b, cc};
    if (op == Op::WHERE) src = {p, a, b};
    src.resize(static_cast<size_t>(op_arity(op)));
    const UOp v = UOp::make(op, DType(c.outputs[o].out), src);
    if (c.outputs[o].widened)
      k.store_output(outs[o], k.add(v).cast(dtypes::float64));
    else
      k.store_output(outs[o], v);
  }
  k.finish();
  c.program = std::move(k.prog);
  return c;
}

ElementwiseCase cast_case(Scalar from) {
  ElementwiseCase c;
  const std::vector<int64_t> ints = cast_int_edges(from);
  const std::vector<double> floats = cast_float_edges(from);
  const size_t n = is_float(from) ? floats.size() : ints.size();
  for (Scalar to : all_scalars()) {
    c.outputs.push_back({Op::CAST, to, "CAST " + name(from) + " -> " + name(to)});
    if (to != Scalar::Index && from != Scalar::Index && bits(to) == bits(from))
      c.outputs.push_back({Op::BITCAST, to, "BITCAST " + name(from) + " -> " + name(to)});
  }
  std::vector<size_t> pick;
  for (size_t i = 0; i < n; ++i) pick.push_back(i);
  for (const Output& o : c.outputs) c.buffers.emplace_back(DType(storage(o.out)), n);
  c.buffers.push_back(make_buffer(from, ints, floats, pick));

  KernelBuilder k;
  const auto slots = static_cast<int64_t>(c.outputs.size());
  std::vector<UOp> outs;
  for (int64_t o = 0; o < slots; ++o) outs.push_back(k.add(global(o, storage(c.outputs[o].out), n)));
  const UOp count = k.add(idx(static_cast<int64_t>(n)));
  k.r = k.add(range(count, 0));
  const UOp a = k.load_input(slots, from, n);
  for (size_t o = 0; o < c.outputs.size(); ++o)
    k.store_output(outs[o], UOp::make(c.outputs[o].op, DType(c.outputs[o].out), {a}));
  k.finish();
  c.program = std::move(k.prog);
  return c;
}

namespace {

UOp reg(int64_t slot, Scalar elem, int64_t n) {
  return UOp::make(Op::DEFINE_REG, DType(elem).ptr(AddrSpace::Reg, n), {}, slot);
}
UOp fconst(double v) { return UOp::constant_float(dtypes::float32, v); }

// out[i] = sum_j in[i*4 + j] for i < 3: a register accumulator, stored before the inner loop,
// updated inside it and read after its END (the LOAD names the END, so it is another node).
StructureCase reduction(Scalar s) {
  StructureCase c{"reduce into DEFINE_REG " + name(s), {}, {}, {}};
  std::vector<double> in;
  for (int i = 0; i < 12; ++i) in.push_back(i % 2 ? 0.25 * i : -1.5 * i);
  c.buffers.push_back(Buffer(DType(s), 3));
  c.buffers.push_back(Buffer::from_floats(DType(s), std::vector<double>(in)));
  const UOp g0 = global(0, s, 3), g1 = global(1, s, 12), acc = reg(0, s, 1);
  const UOp zero = UOp::constant(DType(s), 0), i0 = idx(0), n3 = idx(3), n4 = idx(4);
  const UOp r0 = range(n3, 0), r1 = range(n4, 1);
  const UOp at = index(acc, i0);
  const UOp init = store(at, zero);
  const UOp cur = UOp::make(Op::LOAD, DType(s), {at, init});
  const UOp off = r0 * 4 + r1;
  const UOp x = load(index(g1, off));
  const UOp upd = store(at, cur + x);
  const UOp e1 = end(r1, {upd});
  const UOp result = UOp::make(Op::LOAD, DType(s), {at, e1});
  const UOp st = store(index(g0, r0), result);
  const UOp e0 = end(r0, {st});
  c.program = {g0, g1,      acc, zero,           i0, n3,      n4,  at, r0,     init,          cur,
               r1, r0 * 4,  off, index(g1, off), x,  cur + x, upd, e1, result, index(g0, r0), st,
               e0, sink(e0)};
  return c;
}

// PAD as linearize emits it: out[i] = (2 <= i < 6) ? in[i-2] : alternative, a gated LOAD with an
// alternative, a gated LOAD without one behind a WHERE on the same gate, and a gated STORE.
StructureCase padded() {
  StructureCase c{"gated loads and stores (PAD)", {}, {}, {}};
  c.buffers.push_back(Buffer(dtypes::float32, 8));
  c.buffers.push_back(Buffer::from_floats(dtypes::float32, std::vector<double>{1.5, -2.0, 3.25, 4.0}));
  c.buffers.push_back(Buffer::from_ints(dtypes::int32, std::vector<int64_t>{-1, -1, -1, -1, -1, -1, -1, -1}));
  const UOp g0 = global(0, Scalar::Float32, 8), g1 = global(1, Scalar::Float32, 4), g2 = global(2, Scalar::Int32, 8);
  const UOp n = idx(8), two = idx(2), six = idx(6), r = range(n, 0);
  const UOp lo = two.le(r), hi = r.lt(six), gate = lo.alu(Op::AND, hi);
  const UOp src = r - 2;
  const UOp alt = fconst(-0.5);
  const UOp at = index(g1, src, gate);
  const UOp x = UOp::make(Op::LOAD, dtypes::float32, {at, alt});
  const UOp y = load(at);  // poison where gated off: only the WHERE's unselected arm sees it
  const UOp z = gate.where(y, fconst(0.0));
  const UOp sum = x + z;
  const UOp st = store(index(g0, r), sum);
  const UOp even = r.floormod(2).eq(idx(0));
  const UOp st2 = store(index(g2, r, even), r.cast(dtypes::int32));
  const UOp e = end(r, {st, st2});
  c.program = {g0,
               g1,
               g2,
               n,
               two,
               six,
               r,
               lo,
               hi,
               gate,
               src,
               alt,
               at,
               x,
               y,
               fconst(0.0),
               z,
               sum,
               index(g0, r),
               st,
               idx(0),
               r.floormod(2),
               even,
               index(g2, r, even),
               r.cast(dtypes::int32),
               st2,
               e,
               sink(e)};
  return c;
}

// DEFINE_VARs as a loop bound and as a value; an IF on a variable; a value computed inside the IF
// and used after its ENDIF (poison where the IF was not taken).
StructureCase variables() {
  StructureCase c{"DEFINE_VAR bound, IF, a value used after its block", {}, {}, {{"n", 5}, {"k", 3}}};
  c.buffers.push_back(Buffer(dtypes::int64, 8));
  c.buffers.push_back(Buffer(dtypes::int64, 8));
  const UOp g0 = global(0, Scalar::Int64, 8), g1 = global(1, Scalar::Int64, 8);
  const UOp nv = UOp::var("n", 1, 8), kv = UOp::var("k", 0, 10, dtypes::int64);
  const UOp r = range(nv, 0);
  const UOp ri = r.cast(dtypes::int64);
  const UOp prod = ri * kv;
  const UOp st = store(index(g0, r), prod);
  const UOp cond = r.lt(idx(3));
  const UOp iff = UOp::make(Op::IF, dtypes::void_, {cond});
  const UOp inner = prod + kv;
  const UOp endif = UOp::make(Op::ENDIF, dtypes::void_, {iff});
  const UOp st2 = store(index(g1, r), inner);
  const UOp e = end(r, {st, st2});
  c.program = {g0,  g1,    nv,    kv,           r,   ri, prod,   index(g0, r), st, idx(3), cond,
               iff, inner, endif, index(g1, r), st2, e,  sink(e)};
  return c;
}

// Vectors: a float32x4 load from a scalar index (consecutive lanes), lane-wise ADD, GEP and
// VECTORIZE, a vector store, and a BITCAST that regroups int8x4 into int32.
StructureCase vectors() {
  StructureCase c{"vector loads, stores, GEP, VECTORIZE, BITCAST", {}, {}, {}};
  c.buffers.push_back(Buffer(dtypes::float32, 8));
  c.buffers.push_back(Buffer::from_floats(dtypes::float32, std::vector<double>{1, 2, 3, 4, 5, 6, 7, -8}));
  c.buffers.push_back(Buffer(dtypes::int32, 2));
  c.buffers.push_back(Buffer::from_ints(dtypes::int8, std::vector<int64_t>{1, -2, 3, -128, 127, 0, -1, 64}));
  const UOp g0 = global(0, Scalar::Float32, 8), g1 = global(1, Scalar::Float32, 8);
  const UOp g2 = global(2, Scalar::Int32, 2), g3 = global(3, Scalar::Int8, 8);
  const UOp n = idx(2), r = range(n, 0), base = r * 4;
  const UOp v = UOp::make(Op::LOAD, dtypes::float32.vec(4), {index(g1, base)});
  const UOp l0 = UOp::make(Op::GEP, dtypes::float32, {v}, int64_t{0});
  const UOp l3 = UOp::make(Op::GEP, dtypes::float32, {v}, int64_t{3});
  const UOp w = UOp::make(Op::VECTORIZE, dtypes::float32.vec(4), {l3, l0, l3, l0});
  const UOp sum = UOp::make(Op::ADD, dtypes::float32.vec(4), {v, w});
  const UOp st = store(index(g0, base), sum);
  const UOp bytes = UOp::make(Op::LOAD, dtypes::int8.vec(4), {index(g3, base)});
  const UOp word = UOp::make(Op::BITCAST, dtypes::int32, {bytes});
  const UOp st2 = store(index(g2, r), word);
  const UOp e = end(r, {st, st2});
  c.program = {g0,
               g1,
               g2,
               g3,
               n,
               idx(4),
               r,
               base,
               index(g1, base),
               v,
               l0,
               l3,
               w,
               sum,
               index(g0, base),
               st,
               index(g3, base),
               bytes,
               word,
               index(g2, r),
               st2,
               e,
               sink(e)};
  return c;
}

}  // namespace

std::vector<StructureCase> structure_cases() {
  return {reduction(Scalar::Float32),
          reduction(Scalar::Int32),
          reduction(Scalar::Float16),
          padded(),
          variables(),
          vectors()};
}

}  // namespace anvil::matrix
