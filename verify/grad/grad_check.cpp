#include "verify/grad/grad_check.h"

#include <cmath>
#include <optional>
#include <random>
#include <sstream>

#include "engine/support/error.h"
#include "verify/ref/ref.h"

namespace anvil::gradcheck {
namespace {

using Values = std::vector<std::vector<double>>;  // one host array per input

struct Sample {
  const ops::OpRow* row = nullptr;
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  Values values;
  std::vector<size_t> diff;  // the float inputs, which get gradients
};

// A smooth part of the row's domain: magnitudes in [0.25, 2] keep divisors and logs away from their
// poles, and continuous draws miss the kinks (abs at 0, clamp bounds, ties) with probability 1.
double draw(ops::Domain d, std::mt19937_64& rng) {
  const double m = std::uniform_real_distribution<double>(0.25, 2.0)(rng);
  const bool positive = d == ops::Domain::Positive || d == ops::Domain::NonNegative;
  return positive || std::bernoulli_distribution(0.5)(rng) ? m : -m;
}

Sample draw_sample(const ops::OpRow& row, const std::vector<Shape>& shapes, std::mt19937_64& rng) {
  Sample s{&row, shapes, {}, {}, {}};
  for (size_t i = 0; i < shapes.size(); ++i) {
    const DType dt = ops::input_dtype(row, i, dtypes::float64);
    std::vector<double> v(static_cast<size_t>(shape_numel(shapes[i])));
    for (double& x : v) x = is_bool(dt) ? std::bernoulli_distribution(0.5)(rng) : draw(row.domain, rng);
    if (!is_float(dt))
      for (double& x : v) x = std::round(x);
    s.dtypes.push_back(dt);
    s.values.push_back(std::move(v));
    if (is_float(dt)) s.diff.push_back(i);
  }
  return s;
}

std::vector<Tensor> make_inputs(const Sample& s, const Values& values, bool requires_grad) {
  std::vector<Tensor> xs;
  for (size_t i = 0; i < values.size(); ++i) {
    xs.push_back(Tensor::from(Buffer::from_floats(s.dtypes[i], values[i]), s.shapes[i]));
    if (requires_grad && is_float(s.dtypes[i])) xs.back().requires_grad_();
  }
  return xs;
}

std::vector<double> eval(const Tensor& t) { return ref::evaluate(t.uop()).floats(); }

std::optional<Tensor> call(const Sample& s, const std::vector<Tensor>& xs) {
  try {
    return s.row->fn(xs);
  } catch (const Error&) {
    return std::nullopt;  // shapes the op rejects (a sample that does not broadcast)
  }
}

// f(values) as host numbers; the op accepted these shapes once, so it does again.
std::vector<double> value_at(const Sample& s, const Values& values) {
  return eval(s.row->fn(make_inputs(s, values, false)));
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

bool close(double got, double want, Tolerance tol) {
  return std::abs(got - want) <= tol.atol + tol.rtol * std::abs(want);
}

std::string where(const Sample& s) {
  std::ostringstream os;
  os << s.row->name << " shapes";
  for (const Shape& sh : s.shapes) os << " " << shape_str(sh);
  return os.str();
}

// The output at the sample, with the inputs requiring grad; or why the sample is skipped. Inputs
// whose output is not finite (log of a negative) are retried at their magnitudes.
struct Prepared {
  std::vector<Tensor> xs;
  std::optional<Tensor> out;
  std::string skip;
};

Prepared prepare(Sample& s) {
  Prepared p;
  for (int attempt = 0; attempt < 2; ++attempt) {
    p.xs = make_inputs(s, s.values, true);
    p.out = call(s, p.xs);
    if (!p.out) {
      p.skip = "the op rejects these shapes";
      return p;
    }
    if (!is_float(p.out->dtype()) || p.out->dtype() != dtypes::float64) {
      p.skip = "the output is " + name(p.out->dtype()) + ": its rounding hides a finite difference";
      return p;
    }
    if (all_finite(eval(*p.out))) return p;
    for (size_t i : s.diff)
      for (double& x : s.values[i]) x = std::abs(x);
  }
  p.skip = "the output is not finite at the sample";
  return p;
}

std::vector<Tensor> inputs_with_grad(const Sample& s, const std::vector<Tensor>& xs) {
  std::vector<Tensor> out;
  for (size_t i : s.diff) out.push_back(xs[i]);
  return out;
}

std::vector<double> normals(size_t n, std::mt19937_64& rng) {
  std::vector<double> v(n);
  for (double& x : v) x = std::normal_distribution<double>(0, 1)(rng);
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

bool checkable(const ops::OpRow& row) {
  if (!row.differentiable) return false;
  for (const DType& d : row.dtypes)
    if (d == dtypes::float64) return true;
  return false;
}

uint64_t seed_for(const std::string& row, size_t sample, uint64_t base) {
  uint64_t h = 1469598103934665603ull ^ base;  // FNV-1a
  for (char c : row) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return (h ^ sample) * 0x9E3779B97F4A7C15ull;
}

Outcome check_directional(const ops::OpRow& row, const std::vector<Shape>& shapes, uint64_t seed, Tolerance tol,
                          double h) {
  Outcome r;
  std::mt19937_64 rng(seed);
  Sample s = draw_sample(row, shapes, rng);
  Prepared p = prepare(s);
  if (!p.skip.empty()) {
    r.skipped_because = p.skip;
    return r;
  }
  r.checked = true;
  if (!p.out->requires_grad()) {
    r.failures.push_back(where(s) + ": the output does not require grad");
    return r;
  }
  const std::vector<double> w = normals(static_cast<size_t>(p.out->numel()), rng);
  std::vector<Tensor> gs;
  try {
    gs = grad(*p.out, inputs_with_grad(s, p.xs), Tensor::from(w, p.out->shape()));
  } catch (const Error& e) {
    r.failures.push_back(where(s) + ": grad raised " + e.what());
    return r;
  }
  double ad = 0;
  Values plus = s.values, minus = s.values;
  for (size_t k = 0; k < s.diff.size(); ++k) {
    const size_t i = s.diff[k];
    const std::vector<double> v = normals(s.values[i].size(), rng);
    const std::vector<double> g = eval(gs[k]);
    ad += dot(g, v);
    for (size_t j = 0; j < v.size(); ++j) {
      plus[i][j] += h * v[j];
      minus[i][j] -= h * v[j];
    }
    // The engine must compute the same gradient graph as ref does. (Not for no elements: realizing
    // an empty tensor trips an ANVIL_CHECK in realize(), an engine bug outside autograd.)
    if (g.empty()) continue;
    Tensor on_engine = gs[k];
    const std::vector<double> e = on_engine.to_buffer().floats();
    for (size_t j = 0; j < g.size(); ++j)
      if (!close(e[j], g[j], Tolerance{1e-9, 1e-7}) && !(std::isnan(e[j]) && std::isnan(g[j])))
        r.failures.push_back(where(s) + ": input " + std::to_string(i) + " element " + std::to_string(j) +
                             ": the engine's gradient " + std::to_string(e[j]) + " vs ref's " + std::to_string(g[j]));
  }
  const double fd = (dot(w, value_at(s, plus)) - dot(w, value_at(s, minus))) / (2 * h);
  if (!close(fd, ad, tol)) {
    std::ostringstream os;
    os.precision(10);
    os << where(s) << ": <grad, v> = " << ad << " but the central difference is " << fd;
    r.failures.push_back(os.str());
  }
  return r;
}

Outcome check_jacobian(const ops::OpRow& row, const std::vector<Shape>& shapes, uint64_t seed, Tolerance tol, double h,
                       int64_t max_elements) {
  Outcome r;
  std::mt19937_64 rng(seed);
  Sample s = draw_sample(row, shapes, rng);
  int64_t n_in = 0;
  for (size_t i : s.diff) n_in += static_cast<int64_t>(s.values[i].size());
  Prepared p = prepare(s);
  if (!p.skip.empty()) {
    r.skipped_because = p.skip;
    return r;
  }
  const int64_t n_out = p.out->numel();
  if (n_in > max_elements || n_out > max_elements) {
    r.skipped_because = "too many elements for a full jacobian";
    return r;
  }
  r.checked = true;
  // Row o of the jacobian: the gradients for a one-hot output gradient at o.
  std::vector<Values> rows;
  try {
    for (int64_t o = 0; o < n_out; ++o) {
      std::vector<double> onehot(static_cast<size_t>(n_out), 0.0);
      onehot[static_cast<size_t>(o)] = 1;
      Values row_o;
      for (const Tensor& g : grad(*p.out, inputs_with_grad(s, p.xs), Tensor::from(onehot, p.out->shape())))
        row_o.push_back(eval(g));
      rows.push_back(std::move(row_o));
    }
  } catch (const Error& e) {
    r.failures.push_back(where(s) + ": grad raised " + e.what());
    return r;
  }
  for (size_t k = 0; k < s.diff.size(); ++k) {
    const size_t i = s.diff[k];
    for (size_t j = 0; j < s.values[i].size(); ++j) {
      Values plus = s.values, minus = s.values;
      plus[i][j] += h;
      minus[i][j] -= h;
      const std::vector<double> yp = value_at(s, plus), ym = value_at(s, minus);
      for (size_t o = 0; o < yp.size(); ++o) {
        const double fd = (yp[o] - ym[o]) / (2 * h), ad = rows[o][k][j];
        if (close(fd, ad, tol)) continue;
        std::ostringstream os;
        os.precision(10);
        os << where(s) << ": d out[" << o << "] / d input" << i << "[" << j << "] = " << ad
           << " but the central difference is " << fd;
        r.failures.push_back(os.str());
      }
    }
  }
  return r;
}

}  // namespace anvil::gradcheck
