// A tiny test framework: TEST(name) registers a case; CHECK/CHECK_EQ record
// failures and carry on; test_main.cpp runs every case (or those matching argv[1]).
#pragma once
#include <cstdio>
#include <vector>

struct TestCase {
    const char *name;
    void (*fn)();
};

std::vector<TestCase> &test_registry();
void test_fail(const char *file, int line, const char *what);
void test_fail_eq(const char *file, int line, const char *a, const char *b, long long va, long long vb);

struct TestRegistrar {
    TestRegistrar(const char *name, void (*fn)()) { test_registry().push_back(TestCase{name, fn}); }
};

#define TEST(name)                                          \
    static void name();                                     \
    static TestRegistrar name##_registrar(#name, name);     \
    static void name()

#define CHECK(cond)                                             \
    do {                                                        \
        if (!(cond)) test_fail(__FILE__, __LINE__, #cond);      \
    } while (0)

#define CHECK_EQ(a, b)                                                          \
    do {                                                                        \
        long long va_ = (long long)(a), vb_ = (long long)(b);                   \
        if (va_ != vb_) test_fail_eq(__FILE__, __LINE__, #a, #b, va_, vb_);     \
    } while (0)

// |a - b| <= tol
#define CHECK_NEAR(a, b, tol)                                                   \
    do {                                                                        \
        long long va_ = (long long)(a), vb_ = (long long)(b);                   \
        if (va_ - vb_ > (tol) || vb_ - va_ > (tol))                             \
            test_fail_eq(__FILE__, __LINE__, #a, #b, va_, vb_);                 \
    } while (0)
