// The oracle's plain-buffer side: plain tensors to ATen and back, the float32 fallback for half
// types torch CPU lacks, int64 for the unsigned types torch 1.13 lacks, and autograd. C++17.
#include "verify/torch/torch_oracle.h"

#include <cstring>
#include <optional>

#include "verify/torch/torch_ops.h"

namespace anvil::torch_oracle {
namespace {

struct DtypeInfo {
  const char* name;
  at::ScalarType type;  // the torch type it is computed in
  int itemsize;
  bool widened;  // unsigned type torch lacks: read as int64
};

const DtypeInfo kDtypes[] = {
    {"bool", at::kBool, 1, false},      {"int8", at::kChar, 1, false},         {"int16", at::kShort, 2, false},
    {"int32", at::kInt, 4, false},      {"int64", at::kLong, 8, false},        {"uint8", at::kByte, 1, false},
    {"uint16", at::kLong, 2, true},     {"uint32", at::kLong, 4, true},        {"uint64", at::kLong, 8, true},
    {"float16", at::kHalf, 2, false},   {"bfloat16", at::kBFloat16, 2, false}, {"float32", at::kFloat, 4, false},
    {"float64", at::kDouble, 8, false},
};

const DtypeInfo* info(const std::string& name) {
  for (const DtypeInfo& d : kDtypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const char* name_of(at::ScalarType t) {
  for (const DtypeInfo& d : kDtypes) {
    if (!d.widened && d.type == t) return d.name;
  }
  return "unknown";
}

}  // namespace

std::string promote_types(const std::string& a, const std::string& b) {
  const DtypeInfo *da = info(a), *db = info(b);
  if (!da || !db || da->widened || db->widened) return "";
  return name_of(at::promote_types(da->type, db->type));
}

namespace {

struct Unsupported {
  std::string why;
};

at::Tensor to_torch(const PlainTensor& p) {
  const DtypeInfo* d = info(p.dtype);
  if (!d) throw Unsupported{"no torch dtype for " + p.dtype};
  at::Tensor t = at::empty(p.shape, at::TensorOptions().dtype(d->type));
  const int64_t n = t.numel();
  if (static_cast<int64_t>(p.bytes.size()) != n * d->itemsize) throw Unsupported{"byte count does not match shape"};
  if (!d->widened) {
    if (n) std::memcpy(t.data_ptr(), p.bytes.data(), p.bytes.size());
    return t;
  }
  int64_t* out = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    uint64_t v = 0;
    std::memcpy(&v, p.bytes.data() + i * d->itemsize, d->itemsize);  // little-endian host
    out[i] = static_cast<int64_t>(v);
  }
  return t;
}

PlainTensor from_torch(const at::Tensor& t) {
  at::Tensor c = t.detach().contiguous();
  PlainTensor p;
  p.shape.assign(c.sizes().begin(), c.sizes().end());
  p.dtype = name_of(c.scalar_type());
  p.bytes.resize(c.numel() * c.element_size());
  if (!p.bytes.empty()) std::memcpy(p.bytes.data(), c.data_ptr(), p.bytes.size());
  return p;
}

std::string first_line(const char* what) {
  std::string s(what);
  return s.substr(0, s.find('\n'));
}

bool missing_half_kernel(const std::string& message) {
  return message.find("not implemented for 'Half'") != std::string::npos ||
         message.find("not implemented for 'BFloat16'") != std::string::npos;
}

Mode base_mode(const std::vector<PlainTensor>& inputs) {
  for (const PlainTensor& p : inputs) {
    const DtypeInfo* d = info(p.dtype);
    if (d && d->widened) return Mode::Widened;
  }
  return Mode::Direct;
}

bool is_half(at::ScalarType t) { return t == at::kHalf || t == at::kBFloat16; }

// Runs `body` on the inputs; where torch lacks a half kernel, again in float32 with float32 results
// rounded back to the inputs' half type. Returns the mode used, or throws torch's error.
template <class Body>
Mode run_with_fallback(const std::vector<PlainTensor>& inputs, const Body& body) {
  const Mode mode = base_mode(inputs);
  std::vector<at::Tensor> ts;
  for (const PlainTensor& p : inputs) ts.push_back(to_torch(p));
  try {
    body(ts, std::optional<at::ScalarType>());
    return mode;
  } catch (const c10::Error& e) {
    if (!missing_half_kernel(e.what_without_backtrace())) throw;
  }
  std::optional<at::ScalarType> half;
  for (at::Tensor& t : ts) {
    if (!is_half(t.scalar_type())) continue;
    half = t.scalar_type();
    t = t.to(at::kFloat);
  }
  body(ts, half);
  return mode == Mode::Widened ? mode : Mode::Float32Rounded;
}

at::Tensor round_back(const at::Tensor& t, std::optional<at::ScalarType> half) {
  return half && t.scalar_type() == at::kFloat ? t.to(*half) : t;
}

}  // namespace

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Direct: return "torch";
    case Mode::Float32Rounded: return "torch-in-float32";
    case Mode::Widened: return "torch-in-int64";
    case Mode::None: return "none";
  }
  return "?";
}

bool has_op(const std::string& name) { return torch_ops().count(name) != 0; }

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : torch_ops()) names.push_back(name);
  return names;
}

// Runs `body(twin, r)` for the torch twin of `name` under the fallback rules, turning torch's
// refusals into r.error: one place for evaluate() and gradients(). Some ATen checks throw plain
// std::exceptions rather than c10::Error, so both are caught.
template <class R, class Body>
R run_twin(const std::string& name, const std::vector<PlainTensor>& inputs, Body body) {
  R r;
  auto it = torch_ops().find(name);
  if (it == torch_ops().end()) {
    r.error = "no torch twin for " + name;
    return r;
  }
  try {
    r.mode = run_with_fallback(inputs, [&](const std::vector<at::Tensor>& ts, std::optional<at::ScalarType> half) {
      body(it->second, ts, half, r);
    });
    r.ok = true;
  } catch (const Unsupported& u) {
    r.mode = Mode::None;
    r.error = u.why;
  } catch (const c10::Error& e) {
    r.mode = base_mode(inputs);
    r.error = first_line(e.what_without_backtrace());
  } catch (const std::exception& e) {
    r.mode = base_mode(inputs);
    r.error = first_line(e.what());
  }
  return r;
}

Result evaluate(const std::string& name, const std::vector<PlainTensor>& inputs) {
  return run_twin<Result>(name, inputs,
                          [](const auto& twin, const std::vector<at::Tensor>& ts, std::optional<at::ScalarType> half,
                             Result& r) { r.value = from_torch(round_back(twin(ts), half)); });
}

GradResult gradients(const std::string& name, const std::vector<PlainTensor>& inputs, const PlainTensor& upstream) {
  return run_twin<GradResult>(
      name, inputs,
      [&](const auto& twin, const std::vector<at::Tensor>& in, std::optional<at::ScalarType> half, GradResult& r) {
        std::vector<at::Tensor> ts;
        for (const at::Tensor& t : in) ts.push_back(t.is_floating_point() ? t.clone().requires_grad_(true) : t);
        at::Tensor out = twin(ts);
        r.grads.assign(ts.size(), PlainTensor{});
        if (out.requires_grad()) out.backward(to_torch(upstream).to(out.scalar_type()));
        for (size_t i = 0; i < ts.size(); ++i) {
          if (!ts[i].requires_grad()) continue;
          at::Tensor g = ts[i].grad().defined() ? ts[i].grad() : at::zeros_like(ts[i]);
          r.grads[i] = from_torch(round_back(g, half));
        }
      });
}

}  // namespace anvil::torch_oracle
