#include <cstring>

#include "fake_hal.h"
#include "testlib.h"

static int failures;
static const char *current;

std::vector<TestCase> &test_registry() {
    static std::vector<TestCase> cases;
    return cases;
}

void test_fail(const char *file, int line, const char *what) {
    failures++;
    std::printf("FAIL %s (%s:%d): %s\n", current, file, line, what);
}

void test_fail_eq(const char *file, int line, const char *a, const char *b, long long va, long long vb) {
    failures++;
    std::printf("FAIL %s (%s:%d): %s == %s: %lld != %lld\n", current, file, line, a, b, va, vb);
}

int main(int argc, char **argv) {
    int run = 0;
    for (const TestCase &t : test_registry()) {
        if (argc > 1 && std::strstr(t.name, argv[1]) == nullptr) continue;
        current = t.name;
        fake_reset();
        int before = failures;
        t.fn();
        run++;
        if (failures == before) std::printf("ok   %s\n", t.name);
    }
    std::printf("%d tests, %d failures\n", run, failures);
    return failures == 0 && run > 0 ? 0 : 1;
}
