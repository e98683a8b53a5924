#pragma once
// anvil::Error: a user's mistake (bad shape, axis, dtype, malformed text or file). It names the op
// and says what was expected; it is never used for a broken invariant (ANVIL_CHECK is).
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace anvil {

class Error : public std::runtime_error {
 public:
  Error(std::string_view op, std::string_view message)
      : std::runtime_error(std::string(op) + ": " + std::string(message)), op_(op), message_(message) {}

  const std::string& op() const { return op_; }
  const std::string& message() const { return message_; }

 private:
  std::string op_;
  std::string message_;
};

// Builds an Error message with <<, then throws it: `(ErrorBuilder("reshape") << "got " << n).raise();`
class ErrorBuilder {
 public:
  explicit ErrorBuilder(std::string_view op) : op_(op) {}
  template <class T>
  ErrorBuilder& operator<<(const T& value) {
    message_ << value;
    return *this;
  }
  [[noreturn]] void raise() const { throw Error(op_, message_.str()); }

 private:
  std::string op_;
  std::ostringstream message_;
};

}  // namespace anvil
