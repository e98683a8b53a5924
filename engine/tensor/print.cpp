// Printing values the way PyTorch's repr does: one formatter per tensor (fixed 4 decimals, integer
// mode "1." when every finite value is whole, scientific when magnitudes span more than 1000x),
// right-aligned columns, lines wrapped at 80 characters, and past 1000 elements only the first and
// last 3 entries of each dimension, around "...".
#include <cmath>
#include <cstdio>
#include <ostream>

#include "engine/ir/alu.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

constexpr int64_t kThreshold = 1000;  // more elements than this are summarized
constexpr int64_t kEdge = 3;          // entries kept at each end of a summarized dimension
constexpr size_t kLineWidth = 80;

std::string printf_str(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

// Python's str() of a non-finite float ("nan", never "-nan").
std::string nonfinite(double v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

struct Elements {
  DType dtype;
  Shape shape;
  Buffer buf;

  bool floating() const { return is_float(dtype); }
  double real(size_t i) const { return buf.get(i).f; }
  std::string plain(size_t i) const {  // ints and bools, as Python prints them
    const Value v = buf.get(i);
    if (is_bool(dtype)) return v.i ? "True" : "False";
    return to_string(v.i);
  }
};

// The flat indices shown: every element, or only the edges of each dimension when summarized.
void shown(const Shape& shape, size_t dim, int64_t offset, bool summarize, std::vector<size_t>& out) {
  if (dim == shape.size()) {
    out.push_back(static_cast<size_t>(offset));
    return;
  }
  int64_t stride = 1;
  for (size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
  const int64_t n = shape[dim];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdge && i == kEdge) i = n - kEdge;
    shown(shape, dim + 1, offset + i * stride, summarize, out);
  }
}

class Formatter {
 public:
  Formatter(const Elements& e, const std::vector<size_t>& indices) : e_(e) {
    if (!e.floating()) {
      for (size_t i : indices) width_ = std::max(width_, e.plain(i).size());
      return;
    }
    std::vector<double> vals;  // the nonzero finite values decide the mode
    for (size_t i : indices)
      if (std::isfinite(e.real(i)) && e.real(i) != 0) vals.push_back(e.real(i));
    if (vals.empty()) return;
    double lo = HUGE_VAL, hi = 0;
    for (double v : vals) {
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      int_mode_ &= v == std::ceil(v);
    }
    sci_ = hi / lo > 1000.0 || hi > 1e8 || (!int_mode_ && lo < 1e-4);
    for (double v : vals) {
      const size_t w = sci_        ? printf_str("%.4e", v).size()
                       : int_mode_ ? printf_str("%.0f", v).size() + 1
                                   : printf_str("%.4f", v).size();
      width_ = std::max(width_, w);
    }
  }

  size_t width() const { return width_; }

  std::string format(size_t i) const {
    std::string s;
    if (!e_.floating()) {
      s = e_.plain(i);
    } else {
      const double v = e_.real(i);
      if (!std::isfinite(v))
        s = nonfinite(v);
      else if (sci_)
        s = printf_str("%.4e", v);
      else if (int_mode_)
        s = printf_str("%.0f", v) + ".";
      else
        s = printf_str("%.4f", v);
    }
    return std::string(width_ > s.size() ? width_ - s.size() : 0, ' ') + s;
  }

 private:
  const Elements& e_;
  bool int_mode_ = true, sci_ = false;
  size_t width_ = 1;
};

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string body(const Elements& e, const Formatter& f, size_t dim, int64_t offset, size_t indent, bool summarize) {
  const Shape& shape = e.shape;
  const int64_t n = shape[dim];
  int64_t stride = 1;
  for (size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
  const bool cut = summarize && n > 2 * kEdge;
  std::vector<std::string> items;
  for (int64_t i = 0; i < n; ++i) {
    if (cut && i == kEdge) {
      items.push_back(dim + 1 == shape.size() ? " ..." : "...");
      i = n - kEdge;
    }
    const int64_t at = offset + i * stride;
    items.push_back(dim + 1 == shape.size() ? f.format(static_cast<size_t>(at))
                                            : body(e, f, dim + 1, at, indent + 1, summarize));
  }
  if (dim + 1 < shape.size()) {
    const std::string sep = "," + std::string(shape.size() - dim - 1, '\n') + std::string(indent + 1, ' ');
    return "[" + join(items, sep) + "]";
  }
  // A row: as many entries per line as fit in the line width after the indent.
  const size_t per_line = std::max<size_t>(1, (kLineWidth - std::min(kLineWidth, indent)) / (f.width() + 2));
  std::vector<std::string> lines;
  for (size_t i = 0; i < items.size(); i += per_line)
    lines.push_back(
        join(std::vector<std::string>(items.begin() + i, items.begin() + std::min(items.size(), i + per_line)), ", "));
  return "[" + join(lines, ",\n" + std::string(indent + 1, ' ')) + "]";
}

std::string torch_dtype(DType d) { return "torch." + name(d); }

std::string size_tuple(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// Suffixes go on the last line while it stays within the line width, else on a new line.
std::string with_suffixes(const std::string& text, const std::vector<std::string>& suffixes, size_t indent) {
  std::string out = text;
  const size_t nl = text.rfind('\n');
  size_t last = nl == std::string::npos ? text.size() + 2 : text.size() - nl + 1;  // as PyTorch counts it
  for (const std::string& s : suffixes) {
    if (last + s.size() + 2 > kLineWidth) {
      out += ",\n" + std::string(indent, ' ') + s;
      last = indent + s.size();
    } else {
      out += ", " + s;
      last += s.size() + 2;
    }
  }
  return out + ")";
}

}  // namespace

std::string Tensor::to_string() {
  const std::string prefix = "tensor(";
  const size_t indent = prefix.size();
  std::vector<std::string> suffixes;
  if (device() != default_backend()) suffixes.push_back("device='" + device() + "'");
  const DType dt = dtype();
  if (numel() == 0) {
    if (ndim() != 1) suffixes.push_back("size=" + size_tuple(shape()));
    if (dt != dtypes::float32) suffixes.push_back("dtype=" + torch_dtype(dt));
    return with_suffixes(prefix + "[]", suffixes, indent);
  }
  if (dt != dtypes::float32 && dt != dtypes::int64 && dt != dtypes::bool_)
    suffixes.push_back("dtype=" + torch_dtype(dt));
  Buffer values(dt, 1);
  if (uop().op() == Op::CONST)
    values.set(0, const_value(uop()));  // a lazy scalar needs no backend
  else
    values = to_buffer();
  const Elements e{dt, shape(), std::move(values)};
  const bool summarize = numel() > kThreshold;
  std::vector<size_t> indices;
  shown(e.shape, 0, 0, summarize, indices);
  const Formatter f(e, indices);
  const std::string text = ndim() == 0 ? f.format(0) : body(e, f, 0, 0, indent, summarize);
  return with_suffixes(prefix + text, suffixes, indent);
}

std::ostream& operator<<(std::ostream& os, Tensor t) { return os << t.to_string(); }

}  // namespace anvil
