#include "engine/tensor/symbolic.h"

#include <cstring>
#include <unordered_map>
#include <vector>

#include "engine/support/error.h"
#include "engine/tensor/graph.h"
#include "engine/tensor/storage.h"

namespace anvil {

Var::Var(std::string name, int64_t lo, int64_t hi) {
  if (name.empty()) (ErrorBuilder("Var") << "a variable needs a name").raise();
  if (lo < 1 || lo > hi)
    (ErrorBuilder("Var") << name << ": the range [" << lo << ", " << hi << "] must satisfy 1 <= lo <= hi").raise();
  uop_ = UOp::var(std::move(name), lo, hi, dtypes::index);
}

namespace {

// The (axis, var) of each BIND on top of u, innermost first, and the node under them.
std::vector<std::pair<int64_t, UOp>> binds_of(const UOp& u, UOp& under) {
  std::vector<std::pair<int64_t, UOp>> out;
  under = u;
  while (under.op() == Op::BIND) {
    out.insert(out.begin(), {under.arg_int(), UOp(under.src(1))});
    under = UOp(under.src(0));  // a copy first: src(0) lives in the node being replaced
  }
  return out;
}

// The storage of a row-major view of stored data (BUFFER, SHRINK from 0, RESHAPE), or null.
std::shared_ptr<Buffer> stored(const UOp& view) {
  UOp u = view;
  if (u.op() == Op::RESHAPE) u = UOp(u.src(0));
  if (u.op() == Op::SHRINK && u.arg_ints().size() == 2 && u.arg_ints()[0] == 0) u = UOp(u.src(0));
  return u.op() == Op::BUFFER ? storage_of(u.arg_ints()[0]) : nullptr;
}

}  // namespace

Tensor bind(const Tensor& x, int64_t axis, const Var& v) {
  const int64_t ax = tensor_detail::normalize_axis("bind", axis, x.ndim());
  const Shape& shape = x.shape();
  const int64_t value = shape[static_cast<size_t>(ax)];
  if (value < v.lo() || value > v.hi())
    (ErrorBuilder("bind") << v.name() << " = " << value << " (axis " << ax << " of " << shape_str(shape)
                          << ") is outside its range [" << v.lo() << ", " << v.hi() << "]")
        .raise();
  UOp under;
  std::vector<std::pair<int64_t, UOp>> binds = binds_of(x.uop(), under);
  for (const auto& [a, var] : binds)
    if (a == ax) (ErrorBuilder("bind") << "axis " << ax << " is already bound to " << var.arg_var().name).raise();
  binds.emplace_back(ax, v.uop());
  // Room for every bound value: each bound axis at its var's upper bound.
  Shape cap_shape = shape;
  for (const auto& [a, var] : binds) cap_shape[static_cast<size_t>(a)] = var.arg_var().hi;
  const int64_t cap = shape_numel(cap_shape), count = x.numel();
  if (cap < 0) (ErrorBuilder("bind") << "shape " << shape_str(cap_shape) << " at the bounds is too large").raise();
  // The elements row-major: read in place when x is stored data (a bound tensor), else realized.
  std::shared_ptr<Buffer> values = stored(under);
  if (!values) values = std::make_shared<Buffer>(Tensor(strip_binds(x.uop()), x.keep(), x.device()).to_buffer());
  auto storage = std::make_shared<Buffer>(x.dtype(), static_cast<size_t>(cap));
  std::memcpy(storage->bytes.data(), values->bytes.data(), static_cast<size_t>(count) * itemsize(x.dtype()));
  const int64_t uid = new_buffer_uid();
  register_storage(uid, storage);
  Tensor::Keep keep = std::make_shared<std::vector<std::shared_ptr<Buffer>>>(1, claim_storage(uid));
  UOp u = UOp::make(Op::BUFFER, x.dtype(), {}, std::vector<int64_t>{uid, cap});
  if (count != cap) u = UOp::make(Op::SHRINK, x.dtype(), {u}, std::vector<int64_t>{0, count});
  u = tensor_detail::reshape_node(u, shape);
  for (const auto& [a, var] : binds) u = UOp::make(Op::BIND, x.dtype(), {u, var}, a);
  return Tensor(u, std::move(keep), x.device());
}

std::map<std::string, int64_t> bound_vars(const UOp& root) {
  std::map<std::string, int64_t> out;
  for (const UOp& u : root.toposort()) {
    if (u.op() != Op::BIND) continue;
    const std::string& name = u.src(1).arg_var().name;
    const int64_t value = (*u.src(0).shape())[static_cast<size_t>(u.arg_int())];
    auto [it, fresh] = out.emplace(name, value);
    if (!fresh && it->second != value)
      (ErrorBuilder("bind") << name << " is bound to both " << it->second << " and " << value).raise();
  }
  return out;
}

UOp strip_binds(const UOp& root) {
  std::unordered_map<UOp, UOp, UOpHash> done;
  for (const UOp& u : root.toposort()) {  // sources first
    if (u.op() == Op::BIND) {
      done.emplace(u, done.at(u.src(0)));
      continue;
    }
    std::vector<UOp> src;
    bool changed = false;
    for (const UOp& s : u.src()) {
      src.push_back(done.at(s));
      changed = changed || !(src.back() == s);
    }
    done.emplace(u, changed ? UOp::make(u.op(), u.dtype(), std::move(src), u.arg()) : u);
  }
  return done.at(root);
}

}  // namespace anvil
