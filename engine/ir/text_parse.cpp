// Parsing the `.uop` text form (text.h). It is a fuzz target: every check happens before
// UOp::make (which aborts on a wrong arity), nothing recurses on the input, and sizes are bounded.
#include <unordered_map>

#include "engine/ir/text.h"
#include "engine/support/error.h"

namespace anvil {
namespace {

constexpr size_t kMaxInput = size_t{1} << 27;  // 128 MiB: well past a million printed nodes
constexpr size_t kMaxNodes = 1000000;
constexpr int kMaxVectorWidth = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An arg as written, before it is checked against what its op carries.
struct ParsedArg {
  enum Form { None, Integer, Bool, Hex, String, Ints, Var, Reduce } form = None;
  size_t at = 0;              // where it starts, for messages
  __int128 integer = 0;       // Integer (exact, |v| <= 2^64), Bool (0/1), Hex (bits)
  std::string text;           // String, Var name
  std::vector<int64_t> ints;  // Ints, Reduce axes, Var {lo, hi}
  Op reduce_op = Op::ADD;
};

std::string_view form_name(ParsedArg::Form f) {
  switch (f) {
    case ParsedArg::None: return "nothing";
    case ParsedArg::Integer: return "an integer";
    case ParsedArg::Bool: return "a bool";
    case ParsedArg::Hex: return "hex bits";
    case ParsedArg::String: return "a string";
    case ParsedArg::Ints: return "an int list";
    case ParsedArg::Var: return "a variable";
    case ParsedArg::Reduce: return "a reduce arg";
  }
  return "?";
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  std::vector<UOp> run() {
    if (text_.size() > kMaxInput)
      fail(0, "input is " + std::to_string(text_.size()) + " bytes, over the 128 MiB limit");
    std::optional<std::vector<UOp>> listed;
    while (true) {  // one line at a time; the last line may lack its '\n'
      size_t eol = text_.find('\n', pos_);
      if (eol == std::string_view::npos) eol = text_.size();
      end_ = eol;
      skip_space();
      if (!at_end()) {
        if (listed) fail(pos_, "expected nothing after the roots line");
        if (peek() == '%')
          node_line();
        else if (word() == "roots")
          listed = roots_line();
        else
          fail(pos_, "expected a node ('%name = OP dtype ...') or a roots line");
      }
      ++line_;
      pos_ = line_start_ = eol + 1;
      if (eol >= text_.size()) break;
    }
    if (listed) return *listed;
    std::vector<UOp> roots;
    for (const Def& d : defs_)
      if (!d.used) roots.push_back(d.node);
    return roots;
  }

  // For parse_one's message: where each root was defined.
  std::string where_root(size_t k) const {
    size_t seen = 0;
    for (const Def& d : defs_)
      if (!d.used && seen++ == k)
        return std::string(file_) + ":" + std::to_string(d.line) + ":" + std::to_string(d.col);
    return std::string(file_) + ":1:1";
  }

 private:
  struct Def {
    UOp node;
    bool used = false;
    size_t line = 0, col = 0;
  };

  [[noreturn]] void fail(size_t at, const std::string& message) const {
    (ErrorBuilder("parse") << file_ << ":" << line_ << ":" << (at - line_start_ + 1) << ": " << message).raise();
  }

  bool at_end() const { return pos_ >= end_ || text_[pos_] == '#'; }  // a comment ends the line
  char peek() const { return pos_ < end_ ? text_[pos_] : '\n'; }
  void skip_space() {
    while (pos_ < end_ && is_space(text_[pos_])) ++pos_;
  }
  std::string_view word() const {  // the identifier at pos_, not consumed
    size_t e = pos_;
    while (e < end_ && is_ident_char(text_[e])) ++e;
    return text_.substr(pos_, e - pos_);
  }
  std::string_view take_word() {
    std::string_view w = word();
    pos_ += w.size();
    return w;
  }
  void expect(char c, const char* what) {
    skip_space();
    if (peek() != c) fail(pos_, std::string("expected ") + what);
    ++pos_;
  }
  std::string_view take_name() {  // %identifier
    if (peek() != '%') fail(pos_, "expected a %name");
    ++pos_;
    std::string_view n = take_word();
    if (n.empty()) fail(pos_, "expected a name after '%'");
    return n;
  }
  Def& lookup(std::string_view n, size_t at) {
    auto it = names_.find(std::string(n));
    if (it == names_.end()) fail(at, "undefined name %" + std::string(n));
    return defs_[it->second];
  }

  std::vector<UOp> roots_line() {
    take_word();
    std::vector<UOp> roots;
    skip_space();
    while (!at_end()) {
      if (!roots.empty()) {
        expect(',', "',' between roots");
        skip_space();
      }
      size_t at = pos_;
      roots.push_back(lookup(take_name(), at).node);
      skip_space();
    }
    return roots;
  }

  void node_line() {
    const size_t name_at = pos_;
    std::string n(take_name());
    if (names_.count(n)) fail(name_at, "duplicate name %" + n);
    if (defs_.size() >= kMaxNodes) fail(name_at, "more than " + std::to_string(kMaxNodes) + " nodes");
    expect('=', "'=' after the name");
    skip_space();
    const size_t op_at = pos_;
    std::string_view op_text = take_word();
    if (op_text.empty()) fail(op_at, "expected an op name");
    std::optional<Op> op = parse_op(op_text);
    if (!op) fail(op_at, "unknown op '" + std::string(op_text) + "'");
    const DType dtype = parse_dtype_token();
    std::vector<UOp> src;
    std::vector<Def*> src_defs;
    skip_space();
    const size_t src_at = pos_;
    if (peek() == '(') {
      ++pos_;
      skip_space();
      while (peek() != ')') {
        if (!src.empty()) expect(',', "',' or ')' in the sources");
        skip_space();
        size_t at = pos_;
        Def& d = lookup(take_name(), at);
        src.push_back(d.node);
        src_defs.push_back(&d);
        skip_space();
      }
      ++pos_;
    }
    const int arity = op_arity(*op);
    if (arity >= 0 && static_cast<int>(src.size()) != arity)
      fail(src_at, std::string(op_name(*op)) + " takes " + std::to_string(arity) + " source" + (arity == 1 ? "" : "s") +
                       ", got " + std::to_string(src.size()));
    skip_space();
    ParsedArg parsed = parse_arg();
    skip_space();
    if (!at_end()) fail(pos_, "expected the end of the line");
    Arg arg = check_arg(*op, dtype, parsed);
    for (Def* d : src_defs) d->used = true;
    names_.emplace(std::move(n), defs_.size());
    defs_.push_back(
        Def{UOp::make(*op, dtype, std::move(src), std::move(arg)), false, line_, name_at - line_start_ + 1});
  }

  DType parse_dtype_token() {
    skip_space();
    const size_t at = pos_;
    while (pos_ < end_ && !is_space(text_[pos_]) && text_[pos_] != '(' && text_[pos_] != '#') ++pos_;
    std::string_view tok = text_.substr(at, pos_ - at);
    if (tok.empty()) fail(at, "expected a dtype");
    std::optional<DType> d = parse_dtype(tok);
    if (!d) fail(at, "bad dtype '" + std::string(tok) + "'");
    if (d->count > kMaxVectorWidth) fail(at, "vector width " + std::to_string(d->count) + " is over 256");
    return *d;
  }

  // An integer: decimal with an optional '-', exact up to 2^64 in magnitude.
  __int128 parse_integer() {
    const size_t at = pos_;
    bool neg = peek() == '-';
    if (neg) ++pos_;
    if (!is_digit(peek())) fail(pos_, "expected a digit");
    __int128 v = 0;
    while (is_digit(peek())) {
      v = v * 10 + (text_[pos_++] - '0');
      if (v > (static_cast<__int128>(1) << 64)) fail(at, "integer too large");
    }
    if (is_ident_char(peek())) fail(pos_, "unexpected character in a number");
    return neg ? -v : v;
  }
  int64_t parse_int64() {
    const size_t at = pos_;
    __int128 v = parse_integer();
    if (v < INT64_MIN || v > INT64_MAX) fail(at, "integer out of int64 range");
    return static_cast<int64_t>(v);
  }
  std::vector<int64_t> parse_int_list() {
    expect('[', "'['");
    std::vector<int64_t> out;
    skip_space();
    while (peek() != ']') {
      if (!out.empty()) {
        expect(',', "',' or ']' in the list");
        skip_space();
      }
      out.push_back(parse_int64());
      skip_space();
    }
    ++pos_;
    return out;
  }
  std::string parse_string() {
    ++pos_;  // the opening quote
    std::string out;
    while (true) {
      if (pos_ >= end_) fail(pos_, "unterminated string");
      char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      const size_t esc_at = pos_ - 1;
      char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'x': {
          int hi = pos_ < end_ ? hex_value(text_[pos_]) : -1;
          int lo = pos_ + 1 < end_ ? hex_value(text_[pos_ + 1]) : -1;
          if (hi < 0 || lo < 0) fail(esc_at, "expected two hex digits after \\x");
          out += static_cast<char>(hi * 16 + lo);
          pos_ += 2;
          break;
        }
        default: fail(esc_at, "unknown escape (use \\\" \\\\ \\n \\t \\r or \\xHH)");
      }
    }
  }
  bool next_word_is_in() {  // after a variable's name: ` in [lo, hi]`
    size_t save = pos_;
    skip_space();
    if (word() == "in") {
      pos_ += 2;
      return true;
    }
    pos_ = save;
    return false;
  }
  void parse_var_range(ParsedArg& a) {
    a.form = ParsedArg::Var;
    expect('[', "'[' after 'in'");
    skip_space();
    a.ints.push_back(parse_int64());
    expect(',', "',' between the variable's bounds");
    skip_space();
    a.ints.push_back(parse_int64());
    expect(']', "']' after the variable's bounds");
  }

  ParsedArg parse_arg() {
    ParsedArg a;
    a.at = pos_;
    if (at_end()) return a;
    char c = peek();
    if (c == '0' && pos_ + 1 < end_ && (text_[pos_ + 1] == 'x' || text_[pos_ + 1] == 'X')) {
      pos_ += 2;
      a.form = ParsedArg::Hex;
      if (hex_value(peek()) < 0) fail(pos_, "expected hex digits after 0x");
      while (pos_ < end_ && hex_value(text_[pos_]) >= 0) {
        a.integer = a.integer * 16 + hex_value(text_[pos_++]);
        if (a.integer >> 64) fail(a.at, "hex bits wider than 64 bits");
      }
      if (is_ident_char(peek())) fail(pos_, "unexpected character in hex bits");
    } else if (c == '-' || is_digit(c)) {
      a.form = ParsedArg::Integer;
      a.integer = parse_integer();
    } else if (c == '[') {
      a.form = ParsedArg::Ints;
      a.ints = parse_int_list();
    } else if (c == '"') {
      a.form = ParsedArg::String;
      a.text = parse_string();
      if (next_word_is_in()) parse_var_range(a);
    } else if (is_ident_char(c)) {
      std::string_view w = take_word();
      if (next_word_is_in()) {
        a.text = std::string(w);
        parse_var_range(a);
      } else if (w == "true" || w == "false") {
        a.form = ParsedArg::Bool;
        a.integer = w == "true";
      } else {
        std::optional<Op> op = parse_op(w);
        if (!op)
          fail(a.at, "expected an arg; '" + std::string(w) + "' is not an op name (a reduce arg is 'OP [axes]')");
        a.form = ParsedArg::Reduce;
        a.reduce_op = *op;
        a.ints = parse_int_list();
      }
    } else {
      fail(pos_, "expected an arg or the end of the line");
    }
    return a;
  }

  Arg check_arg(Op op, DType dtype, const ParsedArg& a) {
    const std::string who = std::string(op_name(op)) + " " + name(dtype);
    if (op == Op::CONST) return const_arg(who, dtype, a);
    const ArgKind want = expected_arg_kind(op, dtype);
    const size_t at = a.at;
    auto wrong = [&](std::string_view got) {
      fail(at, who + " takes " + std::string(arg_kind_name(want)) + ", got " + std::string(got));
    };
    switch (want) {
      case ArgKind::None:
        if (a.form != ParsedArg::None) wrong(form_name(a.form));
        return {};
      case ArgKind::Int:
        if (a.form != ParsedArg::Integer) wrong(form_name(a.form));
        if (a.integer < INT64_MIN || a.integer > INT64_MAX) fail(at, "integer out of int64 range");
        return static_cast<int64_t>(a.integer);
      case ArgKind::String:
        if (a.form != ParsedArg::String) wrong(form_name(a.form));
        return a.text;
      case ArgKind::Ints:
        if (a.form != ParsedArg::Ints) wrong(form_name(a.form));
        return a.ints;
      case ArgKind::Var:
        if (a.form != ParsedArg::Var) wrong(form_name(a.form));
        return VarArg{a.text, a.ints[0], a.ints[1]};
      case ArgKind::Reduce:
        if (a.form != ParsedArg::Reduce) wrong(form_name(a.form));
        return ReduceArg{a.reduce_op, a.ints};
      case ArgKind::Float: break;
    }
    wrong(form_name(a.form));
    return {};
  }

  Arg const_arg(const std::string& who, DType dtype, const ParsedArg& a) {
    if (dtype.is_ptr || dtype.scalar == Scalar::Void) fail(a.at, who + ": a constant needs a value dtype");
    const Scalar s = dtype.scalar;
    if (is_float(s)) {
      if (a.form != ParsedArg::Hex)
        fail(a.at,
             who + " takes the dtype's bits in hex (like 0x3f800000 for 1.0f), got " + std::string(form_name(a.form)));
      if (a.integer >> bits(s)) fail(a.at, who + ": hex bits wider than " + std::to_string(bits(s)) + " bits");
      std::optional<double> v = float_const_from_bits(s, static_cast<uint64_t>(a.integer));
      if (!v) fail(a.at, who + ": a signaling NaN, which the IR cannot keep (its " + name(s) + " NaNs are quiet)");
      return *v;
    }
    if (s == Scalar::Bool) {
      if (a.form != ParsedArg::Bool) fail(a.at, who + " takes true or false, got " + std::string(form_name(a.form)));
      return static_cast<int64_t>(a.integer);
    }
    if (a.form != ParsedArg::Integer)
      fail(a.at, who + " takes a decimal integer, got " + std::string(form_name(a.form)));
    if (a.integer < int_min(s) || a.integer > int_max(s))
      fail(a.at, who + ": " + to_string(a.integer) + " is out of range [" + to_string(int_min(s)) + ", " +
                     to_string(int_max(s)) + "]");
    return static_cast<int64_t>(wrap_int(s, a.integer));
  }

  std::string_view text_, file_;
  size_t pos_ = 0, end_ = 0, line_start_ = 0;
  size_t line_ = 1;
  std::vector<Def> defs_;
  std::unordered_map<std::string, size_t> names_;
};

}  // namespace

std::vector<UOp> parse_text(std::string_view text, std::string_view filename) { return Parser(text, filename).run(); }

UOp parse_one(std::string_view text, std::string_view filename) {
  Parser p(text, filename);
  std::vector<UOp> roots = p.run();
  if (roots.size() == 1) return roots[0];
  if (roots.empty()) (ErrorBuilder("parse") << filename << ":1:1: expected one root, found none").raise();
  (ErrorBuilder("parse") << p.where_root(1) << ": expected one root, found " << roots.size()).raise();
}

}  // namespace anvil
