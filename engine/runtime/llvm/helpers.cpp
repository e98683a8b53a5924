#include "engine/runtime/llvm/helpers.h"

#include <array>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "engine/runtime/sin_reduction.h"
#include "engine/support/check.h"

namespace anvil::llvmbe {
namespace {

// clang-format off
const std::array kHelpers = {
// float16 bits -> float, exact, NaN payload kept (no quieting): the magnitude bits shifted into
// float32's fields and scaled by 2^112 (exact, subnormals included); Inf/NaN get the top exponent.
Helper{"@anvil.h2f", {}, {}, R"(define internal float @anvil.h2f(i16 %h) #0 {
  %hi = zext i16 %h to i32
  %m = and i32 %hi, 32767
  %sh = shl i32 %m, 13
  %f0 = bitcast i32 %sh to float
  %f1 = fmul float %f0, 0x46F0000000000000
  %b1 = bitcast float %f1 to i32
  %infnan = icmp uge i32 %m, 31744
  %b2 = or i32 %sh, 2139095040
  %b3 = select i1 %infnan, i32 %b2, i32 %b1
  %s = and i32 %hi, 32768
  %s2 = shl i32 %s, 16
  %b4 = or i32 %b3, %s2
  %r = bitcast i32 %b4 to float
  ret float %r
}
)"},
Helper{"@anvil.bf2f", {}, {}, R"(define internal float @anvil.bf2f(i16 %h) #0 {
  %hi = zext i16 %h to i32
  %b = shl i32 %hi, 16
  %r = bitcast i32 %b to float
  ret float %r
}
)"},
// float -> float16 bits, round to nearest even (Maratyszcza's FP16 method: the float unit does the
// rounding); a NaN keeps its sign and top payload bits (payload 0 becomes 0x200) as interp stores it.
Helper{"@anvil.f2h", {}, {"declare float @llvm.fabs.f32(float)"}, R"(define internal i16 @anvil.f2h(float %x) #0 {
  %w = bitcast float %x to i32
  %ax = call float @llvm.fabs.f32(float %x)
  %b0 = fmul float %ax, 0x46F0000000000000
  %b1 = fmul float %b0, 0x3910000000000000
  %shl1 = shl i32 %w, 1
  %bias0 = and i32 %shl1, -16777216
  %small = icmp ult i32 %bias0, 1895825408
  %bias = select i1 %small, i32 1895825408, i32 %bias0
  %bh = lshr i32 %bias, 1
  %bb = add i32 %bh, 125829120
  %bf = bitcast i32 %bb to float
  %base = fadd float %bf, %b1
  %bits = bitcast float %base to i32
  %e = lshr i32 %bits, 13
  %eb = and i32 %e, 31744
  %mb = and i32 %bits, 4095
  %ns = add i32 %eb, %mb
  %isnan = icmp ugt i32 %shl1, -16777216
  %p0 = lshr i32 %w, 13
  %p1 = and i32 %p0, 1023
  %pz = icmp eq i32 %p1, 0
  %p2 = select i1 %pz, i32 512, i32 %p1
  %nanb = or i32 %p2, 31744
  %mag = select i1 %isnan, i32 %nanb, i32 %ns
  %sg0 = lshr i32 %w, 16
  %sg = and i32 %sg0, 32768
  %r32 = or i32 %mag, %sg
  %r = trunc i32 %r32 to i16
  ret i16 %r
}
)"},
// float -> bfloat16 bits, round to nearest even in integer arithmetic; NaN as interp stores it.
Helper{"@anvil.f2bf", {}, {}, R"(define internal i16 @anvil.f2bf(float %x) #0 {
  %w = bitcast float %x to i32
  %hi = lshr i32 %w, 16
  %lsb = and i32 %hi, 1
  %r0 = add i32 %w, 32767
  %r1 = add i32 %r0, %lsb
  %rn = lshr i32 %r1, 16
  %a = and i32 %w, 2147483647
  %isnan = icmp ugt i32 %a, 2139095040
  %p0 = and i32 %hi, 127
  %pz = icmp eq i32 %p0, 0
  %p1 = select i1 %pz, i32 64, i32 %p0
  %s = and i32 %hi, 32768
  %nb0 = or i32 %s, 32640
  %nb = or i32 %nb0, %p1
  %r = select i1 %isnan, i32 %nb, i32 %rn
  %t = trunc i32 %r to i16
  ret i16 %t
}
)"},
// A float rounded to float16 and back (interp's round_to): a NaN is quieted, its top 10 payload bits kept.
Helper{"@anvil.round.f16", {"@anvil.f2h", "@anvil.h2f"}, {}, R"(define internal float @anvil.round.f16(float %x) #0 {
  %h = call i16 @anvil.f2h(float %x)
  %y = call float @anvil.h2f(i16 %h)
  %w = bitcast float %x to i32
  %n0 = and i32 %w, -8192
  %n1 = or i32 %n0, 4194304
  %nf = bitcast i32 %n1 to float
  %isn = fcmp uno float %x, 0.0
  %r = select i1 %isn, float %nf, float %y
  ret float %r
}
)"},
Helper{"@anvil.round.bf16", {"@anvil.f2bf", "@anvil.bf2f"}, {}, R"(define internal float @anvil.round.bf16(float %x) #0 {
  %h = call i16 @anvil.f2bf(float %x)
  %y = call float @anvil.bf2f(i16 %h)
  %w = bitcast float %x to i32
  %n0 = and i32 %w, -65536
  %n1 = or i32 %n0, 4194304
  %nf = bitcast i32 %n1 to float
  %isn = fcmp uno float %x, 0.0
  %r = select i1 %isn, float %nf, float %y
  ret float %r
}
)"},
// double -> float rounded to odd (truncate, then set the last bit if inexact): rounding that to
// float16/bfloat16 equals rounding the double directly (24 >= 11 + 2 bits). Not for NaN.
Helper{"@anvil.d2f.odd", {}, {"declare double @llvm.fabs.f64(double)"}, R"(define internal float @anvil.d2f.odd(double %x) #0 {
  %r = fptrunc double %x to float
  %b = fpext float %r to double
  %ne = fcmp une double %b, %x
  %ax = call double @llvm.fabs.f64(double %x)
  %ab = call double @llvm.fabs.f64(double %b)
  %over = fcmp ogt double %ab, %ax
  %rb = bitcast float %r to i32
  %dec = sub i32 %rb, 1
  %t = select i1 %over, i32 %dec, i32 %rb
  %odd = or i32 %t, 1
  %res = select i1 %ne, i32 %odd, i32 %rb
  %f = bitcast i32 %res to float
  ret float %f
}
)"},
// An unsigned 64-bit magnitude -> float rounded to odd: the top 24 bits, the rest as a sticky bit.
Helper{"@anvil.u2f.odd", {}, {"declare i64 @llvm.ctlz.i64(i64, i1)"}, R"(define internal float @anvil.u2f.odd(i64 %m) #0 {
  %lz = call i64 @llvm.ctlz.i64(i64 %m, i1 false)
  %len = sub i64 64, %lz
  %big = icmp ugt i64 %len, 24
  %sh0 = sub i64 %len, 24
  %sh = select i1 %big, i64 %sh0, i64 0
  %mask0 = shl i64 1, %sh
  %mask = sub i64 %mask0, 1
  %drop = and i64 %m, %mask
  %st0 = icmp ne i64 %drop, 0
  %st = zext i1 %st0 to i64
  %q = lshr i64 %m, %sh
  %q1 = or i64 %q, %st
  %f = uitofp i64 %q1 to float
  %e = add i64 %sh, 127
  %e32 = trunc i64 %e to i32
  %sb = shl i32 %e32, 23
  %scale = bitcast i32 %sb to float
  %r = fmul float %f, %scale
  ret float %r
}
)"},
// double -> float16 / bfloat16 (as a float register), rounded once; NaN as interp's round_to.
Helper{"@anvil.d2h", {"@anvil.d2f.odd", "@anvil.round.f16"}, {}, R"(define internal float @anvil.d2h(double %x) #0 {
  %o = call float @anvil.d2f.odd(double %x)
  %y = call float @anvil.round.f16(float %o)
  %d = bitcast double %x to i64
  %p0 = lshr i64 %d, 42
  %p1 = and i64 %p0, 1023
  %p2 = shl i64 %p1, 13
  %s0 = lshr i64 %d, 32
  %s1 = and i64 %s0, 2147483648
  %n0 = or i64 %p2, %s1
  %n1 = or i64 %n0, 2143289344
  %n2 = trunc i64 %n1 to i32
  %nf = bitcast i32 %n2 to float
  %isn = fcmp uno double %x, 0.0
  %r = select i1 %isn, float %nf, float %y
  ret float %r
}
)"},
Helper{"@anvil.d2bf", {"@anvil.d2f.odd", "@anvil.round.bf16"}, {}, R"(define internal float @anvil.d2bf(double %x) #0 {
  %o = call float @anvil.d2f.odd(double %x)
  %y = call float @anvil.round.bf16(float %o)
  %d = bitcast double %x to i64
  %p0 = lshr i64 %d, 45
  %p1 = and i64 %p0, 127
  %p2 = shl i64 %p1, 16
  %s0 = lshr i64 %d, 32
  %s1 = and i64 %s0, 2147483648
  %n0 = or i64 %p2, %s1
  %n1 = or i64 %n0, 2143289344
  %n2 = trunc i64 %n1 to i32
  %nf = bitcast i32 %n2 to float
  %isn = fcmp uno double %x, 0.0
  %r = select i1 %isn, float %nf, float %y
  ret float %r
}
)"},
// interp's NaN result: r if not NaN, else the first NaN operand quieted, else +qNaN.
Helper{"@anvil.fixnan.f32", {}, {}, R"(define internal float @anvil.fixnan.f32(float %r, float %a, float %b) #0 {
  %rn = fcmp uno float %r, 0.0
  %an = fcmp uno float %a, 0.0
  %bn = fcmp uno float %b, 0.0
  %ai = bitcast float %a to i32
  %bi = bitcast float %b to i32
  %aq = or i32 %ai, 4194304
  %bq = or i32 %bi, 4194304
  %p0 = select i1 %bn, i32 %bq, i32 2143289344
  %p1 = select i1 %an, i32 %aq, i32 %p0
  %pf = bitcast i32 %p1 to float
  %res = select i1 %rn, float %pf, float %r
  ret float %res
}
)"},
Helper{"@anvil.fixnan.f64", {}, {}, R"(define internal double @anvil.fixnan.f64(double %r, double %a, double %b) #0 {
  %rn = fcmp uno double %r, 0.0
  %an = fcmp uno double %a, 0.0
  %bn = fcmp uno double %b, 0.0
  %ai = bitcast double %a to i64
  %bi = bitcast double %b to i64
  %aq = or i64 %ai, 2251799813685248
  %bq = or i64 %bi, 2251799813685248
  %p0 = select i1 %bn, i64 %bq, i64 9221120237041090560
  %p1 = select i1 %an, i64 %aq, i64 %p0
  %pf = bitcast i64 %p1 to double
  %res = select i1 %rn, double %pf, double %r
  ret double %res
}
)"},
// IEEE 754-2019 maximum/minimum as interp: a NaN operand wins (first one, quieted); -0 < +0.
Helper{"@anvil.max.f32", {"@anvil.fixnan.f32"}, {}, R"(define internal float @anvil.max.f32(float %a, float %b) #0 {
  %ai = bitcast float %a to i32
  %sa = icmp slt i32 %ai, 0
  %e = select i1 %sa, float %b, float %a
  %gt = fcmp ogt float %a, %b
  %c = select i1 %gt, float %a, float %b
  %eq = fcmp oeq float %a, %b
  %v = select i1 %eq, float %e, float %c
  %an = fcmp uno float %a, %b
  %n = select i1 %an, float 0x7FF8000000000000, float %v
  %r = call float @anvil.fixnan.f32(float %n, float %a, float %b)
  ret float %r
}
)"},
Helper{"@anvil.min.f32", {"@anvil.fixnan.f32"}, {}, R"(define internal float @anvil.min.f32(float %a, float %b) #0 {
  %ai = bitcast float %a to i32
  %sa = icmp slt i32 %ai, 0
  %e = select i1 %sa, float %a, float %b
  %lt = fcmp olt float %a, %b
  %c = select i1 %lt, float %a, float %b
  %eq = fcmp oeq float %a, %b
  %v = select i1 %eq, float %e, float %c
  %an = fcmp uno float %a, %b
  %n = select i1 %an, float 0x7FF8000000000000, float %v
  %r = call float @anvil.fixnan.f32(float %n, float %a, float %b)
  ret float %r
}
)"},
Helper{"@anvil.max.f64", {"@anvil.fixnan.f64"}, {}, R"(define internal double @anvil.max.f64(double %a, double %b) #0 {
  %ai = bitcast double %a to i64
  %sa = icmp slt i64 %ai, 0
  %e = select i1 %sa, double %b, double %a
  %gt = fcmp ogt double %a, %b
  %c = select i1 %gt, double %a, double %b
  %eq = fcmp oeq double %a, %b
  %v = select i1 %eq, double %e, double %c
  %an = fcmp uno double %a, %b
  %n = select i1 %an, double 0x7FF8000000000000, double %v
  %r = call double @anvil.fixnan.f64(double %n, double %a, double %b)
  ret double %r
}
)"},
Helper{"@anvil.min.f64", {"@anvil.fixnan.f64"}, {}, R"(define internal double @anvil.min.f64(double %a, double %b) #0 {
  %ai = bitcast double %a to i64
  %sa = icmp slt i64 %ai, 0
  %e = select i1 %sa, double %a, double %b
  %lt = fcmp olt double %a, %b
  %c = select i1 %lt, double %a, double %b
  %eq = fcmp oeq double %a, %b
  %v = select i1 %eq, double %e, double %c
  %an = fcmp uno double %a, %b
  %n = select i1 %an, double 0x7FF8000000000000, double %v
  %r = call double @anvil.fixnan.f64(double %n, double %a, double %b)
  ret double %r
}
)"},
// float32 EXP2/LOG2/SIN without libm, so LLVM's loop vectorizer takes loops that use them: the c
// prelude's anvil_exp2_f32/anvil_log2_f32/anvil_sin_f32 (c_prelude.cpp says how and how accurate)
// instruction for instruction, so both backends give the same values. NaN in: the input quieted.
Helper{"@anvil.exp2.f32", {}, {}, R"(define internal float @anvil.exp2.f32(float %x) #0 {
  %t = fadd float %x, 1.258291200e+07
  %tb = bitcast float %t to i32
  %tm = and i32 %tb, 8388607
  %k0 = sub i32 %tm, 4194304
  %klo = icmp slt i32 %k0, -151
  %k1 = select i1 %klo, i32 -151, i32 %k0
  %khi = icmp sgt i32 %k1, 129
  %k = select i1 %khi, i32 129, i32 %k1
  %kf = fsub float %t, 1.258291200e+07
  %ff = fsub float %x, %kf
  %f = fpext float %ff to double
  %m0 = fmul double 0x3DBC3BD650FC2986, %f
  %p0 = fadd double %m0, 0x3DFE8CAC7351BB25
  %m1 = fmul double %p0, %f
  %p1 = fadd double %m1, 0x3E3E4CF5158B8ECA
  %m2 = fmul double %p1, %f
  %p2 = fadd double %m2, 0x3E7B5253D395E7C4
  %m3 = fmul double %p2, %f
  %p3 = fadd double %m3, 0x3EB62C0223A5C824
  %m4 = fmul double %p3, %f
  %p4 = fadd double %m4, 0x3EEFFCBFC588B0C7
  %m5 = fmul double %p4, %f
  %p5 = fadd double %m5, 0x3F2430912F86C787
  %m6 = fmul double %p5, %f
  %p6 = fadd double %m6, 0x3F55D87FE78A6731
  %m7 = fmul double %p6, %f
  %p7 = fadd double %m7, 0x3F83B2AB6FBA4E77
  %m8 = fmul double %p7, %f
  %p8 = fadd double %m8, 0x3FAC6B08D704A0C0
  %m9 = fmul double %p8, %f
  %p9 = fadd double %m9, 0x3FCEBFBDFF82C58F
  %m10 = fmul double %p9, %f
  %p10 = fadd double %m10, 0x3FE62E42FEFA39EF
  %m11 = fmul double %p10, %f
  %p11 = fadd double %m11, 0x3FF0000000000000
  %kb = add i32 %k, 1023
  %kb64 = zext i32 %kb to i64
  %sb = shl i64 %kb64, 52
  %s = bitcast i64 %sb to double
  %pr = fmul double %p11, %s
  %r = fptrunc double %pr to float
  %xb = bitcast float %x to i32
  %qb = or i32 %xb, 4194304
  %qn = bitcast i32 %qb to float
  %lo = fcmp olt float %x, -1.510000e+02
  %hi = fcmp ogt float %x, 1.290000e+02
  %isn = fcmp uno float %x, 0.0
  %v1 = select i1 %isn, float %qn, float %r
  %v2 = select i1 %hi, float 0x7FF0000000000000, float %v1
  %v3 = select i1 %lo, float 0.0, float %v2
  ret float %v3
}
)"},
Helper{"@anvil.log2.f32", {}, {}, R"(define internal float @anvil.log2.f32(float %x) #0 {
  %sub = fcmp olt float %x, 0x3810000000000000
  %big = fmul float %x, 0x4160000000000000
  %xs = select i1 %sub, float %big, float %x
  %xb = bitcast float %xs to i32
  %b = sub i32 %xb, 1060439283
  %e0 = ashr i32 %b, 23
  %adj = select i1 %sub, i32 23, i32 0
  %e = sub i32 %e0, %adj
  %mb0 = and i32 %b, 8388607
  %mb = add i32 %mb0, 1060439283
  %m = bitcast i32 %mb to float
  %num = fsub float %m, 1.0
  %den = fadd float %m, 1.0
  %t = fdiv float %num, %den
  %s = fmul float %t, %t
  %g0m = fmul float 0x3FDBA18F80000000, %s
  %g0 = fadd float %g0m, 0x3FE27471C0000000
  %g1m = fmul float %g0, %s
  %g1 = fadd float %g1m, 0x3FEEC70E60000000
  %g2m = fmul float %g1, %s
  %g2 = fadd float %g2m, 0x4007154760000000
  %ef = sitofp i32 %e to float
  %tg = fmul float %t, %g2
  %r = fadd float %ef, %tg
  %x0 = bitcast float %x to i32
  %qb = or i32 %x0, 4194304
  %qn = bitcast i32 %qb to float
  %isn = fcmp uno float %x, 0.0
  %neg = fcmp olt float %x, 0.0
  %zero = fcmp oeq float %x, 0.0
  %inf = fcmp oeq float %x, 0x7FF0000000000000
  %v1 = select i1 %inf, float %x, float %r
  %v2 = select i1 %zero, float 0xFFF0000000000000, float %v1
  %v3 = select i1 %neg, float 0x7FF8000000000000, float %v2
  %v4 = select i1 %isn, float %qn, float %v3
  ret float %v4
}
)"},
Helper{"@anvil.sin.f32", {"@anvil.sin.tab"}, {}, R"(define internal float @anvil.sin.f32(float %x) #0 {
  %bx = bitcast float %x to i32
  %a = and i32 %bx, 2147483647
  %E = lshr i32 %a, 23
  %elo = icmp ult i32 %E, 1
  %e1 = select i1 %elo, i32 1, i32 %E
  %ehi = icmp ugt i32 %e1, 254
  %ei = select i1 %ehi, i32 254, i32 %e1
  %mant = and i32 %a, 8388607
  %nz = icmp ne i32 %E, 0
  %imp = select i1 %nz, i32 8388608, i32 0
  %mi = or i32 %mant, %imp
  %M = uitofp i32 %mi to double
  %row = zext i32 %ei to i64
  %i0 = shl i64 %row, 2
  %a0 = getelementptr inbounds [1024 x double], ptr @anvil.sin.tab, i64 0, i64 %i0
  %t0 = load double, ptr %a0
  %i1 = or i64 %i0, 1
  %a1 = getelementptr inbounds [1024 x double], ptr @anvil.sin.tab, i64 0, i64 %i1
  %t1 = load double, ptr %a1
  %i2 = or i64 %i0, 2
  %a2 = getelementptr inbounds [1024 x double], ptr @anvil.sin.tab, i64 0, i64 %i2
  %t2 = load double, ptr %a2
  %i3 = or i64 %i0, 3
  %a3 = getelementptr inbounds [1024 x double], ptr @anvil.sin.tab, i64 0, i64 %i3
  %t3 = load double, ptr %a3
  %p1 = fmul double %M, %t0
  %p1q = fmul double %p1, 2.500000e-01
  %qa = fadd double %p1q, 0x4338000000000000
  %q1 = fsub double %qa, 0x4338000000000000
  %gt = fcmp ogt double %q1, %p1q
  %q1m = fsub double %q1, 1.0
  %fl = select i1 %gt, double %q1m, double %q1
  %fl4 = fmul double 4.0, %fl
  %y1 = fsub double %p1, %fl4
  %y2 = fmul double %M, %t1
  %s12 = fadd double %y1, %y2
  %ja = fadd double %s12, 0x4338000000000000
  %j = fsub double %ja, 0x4338000000000000
  %d1 = fsub double %y1, %j
  %f1 = fadd double %d1, %y2
  %y3 = fmul double %M, %t2
  %f2 = fadd double %f1, %y3
  %y4 = fmul double %M, %t3
  %f = fadd double %f2, %y4
  %r = fmul double %f, 0x3FF921FB54442D18
  %z = fmul double %r, %r
  %sm0 = fmul double %z, 0x3EC71DE3A556C734
  %sa0 = fadd double 0xBF2A01A01A01A01A, %sm0
  %sm1 = fmul double %z, %sa0
  %sa1 = fadd double 0x3F81111111111111, %sm1
  %sm2 = fmul double %z, %sa1
  %sa2 = fadd double 0xBFC5555555555555, %sm2
  %rz = fmul double %r, %z
  %rzp = fmul double %rz, %sa2
  %sn = fadd double %r, %rzp
  %cm0 = fmul double %z, 0xBE927E4FB7789F5C
  %ca0 = fadd double 0x3EFA01A01A01A01A, %cm0
  %cm1 = fmul double %z, %ca0
  %ca1 = fadd double 0xBF56C16C16C16C17, %cm1
  %cm2 = fmul double %z, %ca1
  %ca2 = fadd double 0x3FA5555555555555, %cm2
  %cm3 = fmul double %z, %ca2
  %ca3 = fadd double 0xBFE0000000000000, %cm3
  %czp = fmul double %z, %ca3
  %cs = fadd double 1.0, %czp
  %q = fptosi double %j to i32
  %qo = and i32 %q, 1
  %odd = icmp ne i32 %qo, 0
  %v0 = select i1 %odd, double %cs, double %sn
  %qt = and i32 %q, 2
  %flip = icmp ne i32 %qt, 0
  %nv = fneg double %v0
  %v = select i1 %flip, double %nv, double %v0
  %vf = fptrunc double %v to float
  %vb = bitcast float %vf to i32
  %sg = and i32 %bx, -2147483648
  %rb = xor i32 %vb, %sg
  %res = bitcast i32 %rb to float
  %qb = or i32 %bx, 4194304
  %qn = bitcast i32 %qb to float
  %isn = fcmp uno float %x, 0.0
  %nanv = select i1 %isn, float %qn, float 0x7FF8000000000000
  %spec = icmp eq i32 %E, 255
  %out = select i1 %spec, float %nanv, float %res
  ret float %out
}
)"},
};
// clang-format on

// sin's reduction table as an IR constant, printed once from sin_reduction.h.
const Helper& sin_table() {
  static const std::string text = [] {
    std::string t = "@anvil.sin.tab = internal constant [1024 x double] [";
    char buf[40];
    for (const auto& row : kSinReduction)
      for (double v : row) {
        std::snprintf(buf, sizeof buf, "%sdouble 0x%016" PRIX64, t.back() == '[' ? "" : ", ",
                      std::bit_cast<uint64_t>(v));
        t += buf;
      }
    return t + "]\n";
  }();
  static const Helper h{"@anvil.sin.tab", {}, {}, text};
  return h;
}

}  // namespace

const Helper& helper(std::string_view name) {
  if (name == "@anvil.sin.tab") return sin_table();
  for (const Helper& h : kHelpers)
    if (h.name == name) return h;
  ANVIL_UNREACHABLE() << "llvm: no helper " << name;
  return kHelpers[0];
}

}  // namespace anvil::llvmbe
