#pragma once
// ANVIL_CHECK: a broken internal invariant. Aborts with file:line and a message, which is what a
// fuzzer needs to see. User mistakes raise anvil::Error instead (error.h).
#include <sstream>

namespace anvil::detail {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* cond) : file_(file), line_(line), cond_(cond) {}
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  template <class T>
  CheckFailure& operator<<(const T& value) {
    message_ << value;
    return *this;
  }

 private:
  const char* file_;
  int line_;
  const char* cond_;
  std::ostringstream message_;
};

}  // namespace anvil::detail

// `while` rather than `if`, so a dangling `else` cannot bind to the macro; the temporary aborts
// in its destructor, after the streamed message is complete, so the loop never repeats.
#define ANVIL_CHECK(cond) \
  while (__builtin_expect(!(cond), 0)) ::anvil::detail::CheckFailure(__FILE__, __LINE__, #cond)

#define ANVIL_UNREACHABLE() ANVIL_CHECK(false) << "unreachable: "
